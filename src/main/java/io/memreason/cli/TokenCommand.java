package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.web.Role;
import io.memreason.web.TokenFile;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code memreason token}: the tokens of the HTTP server's tokens file. */
@Command(name = "token", mixinStandardHelpOptions = true, subcommands = TokenCommand.Add.class,
    description = "Manage the tokens that may use the HTTP server (web.tokens-file).")
final class TokenCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code memreason token add NAME --roles watch,ask,label}. */
  @Command(name = "add", mixinStandardHelpOptions = true,
      description = {"Make a new random token, print it once (it is not kept anywhere: only its SHA-256 goes into the"
          + " tokens file) and append NAME SHA256 ROLES to the file. A running server picks it up within a second.",
          "Roles: watch (the page's traces, GET /api/answers, /metrics), ask (POST /api/questions), label (POST"
          + " /api/feedback; the labeller of the feedback is NAME)."})
  static final class Add implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Parameters(index = "0", paramLabel = "NAME", description = "Who the token is for: letters, digits, . _ @ -.")
    String name;

    @Option(names = "--roles", required = true, paramLabel = "ROLES",
        description = "Comma-separated roles: watch, ask, label.")
    String roles;

    @Option(names = "--file", paramLabel = "FILE", description = "The tokens file (default: web.tokens-file).")
    Path file;

    @Override
    public Integer call() {
      Set<Role> granted = Role.parseList(roles);
      Path tokens = file != null ? file : configuredFile();
      String token = TokenFile.add(tokens, name, granted);
      spec.commandLine().getOut().println(token);
      spec.commandLine().getErr().println("token for " + name + " (" + Role.listOf(granted) + ") added to " + tokens
          + "; it is shown only this once: keep it in a password manager or a secret store");
      return 0;
    }

    private Path configuredFile() {
      MemreasonConfig c = config.load();
      return c.web().auth().tokensFile().orElseThrow(() -> new IllegalArgumentException(
          "no tokens file: give --file FILE or set web.tokens-file"));
    }
  }
}
