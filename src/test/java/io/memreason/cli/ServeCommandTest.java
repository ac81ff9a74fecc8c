package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** serve refuses an unsafe or unusable HTTP configuration in one line, before it touches Kafka or loads a model. */
class ServeCommandTest {

  private static String refusal(String... settings) {
    picocli.CommandLine cl = Main.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    String[] args = new String[settings.length * 2 + 1];
    args[0] = "serve";
    for (int i = 0; i < settings.length; i++) {
      args[2 * i + 1] = "--set";
      args[2 * i + 2] = settings[i];
    }
    assertEquals(1, cl.execute(args));
    assertEquals(1, err.toString().strip().lines().count(), err.toString());
    return err.toString().strip();
  }

  @Test
  void needsATokensFileByDefault() {
    assertTrue(refusal("kafka.bootstrap.servers=127.0.0.1:1").startsWith("memreason serve: web.auth=tokens needs"
        + " web.tokens-file: create one with `memreason token add"));
  }

  @Test
  void refusesNoAuthenticationOnAllInterfacesUnlessAllowed() {
    assertTrue(refusal("web.auth=none", "kafka.bootstrap.servers=127.0.0.1:1").startsWith("memreason serve: refusing"
        + " to serve without authentication (web.auth=none) on 0.0.0.0"));
  }
}
