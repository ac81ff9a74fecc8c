package io.memreason.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.AbstractConfiguration;
import org.apache.logging.log4j.core.config.ConfigurationFactory;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.composite.CompositeConfiguration;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

/** The JSON-lines logging variant, combined with log4j2.xml as the pods name them, in a logger context of its own. */
class LoggingConfigurationTest {

  /** How the variant is selected (LOG4J_CONFIGURATION_FILE): after log4j2.xml, whose appender it replaces. */
  static final String JSON_LINES = "log4j2.xml,log4j2-json.xml";

  @Test
  void jsonVariantWritesEachEventAsOneJsonLineAndKeepsTheLoggerLevels() throws IOException {
    List<String> files = List.of(JSON_LINES.split(","));
    LoggerContext context = new LoggerContext("json-lines-test");
    try {
      List<AbstractConfiguration> parts = new ArrayList<>();
      for (String file : files) {
        ConfigurationSource source = ConfigurationSource.fromResource(file, getClass().getClassLoader());
        parts.add((AbstractConfiguration) ConfigurationFactory.getInstance().getConfiguration(context, source));
      }
      CompositeConfiguration config = new CompositeConfiguration(parts);
      context.start(config);

      String line = (String) config.getAppender("stderr").getLayout().toSerializable(Log4jLogEvent.newBuilder()
          .setLoggerName("io.memreason.cli.ServeCommand").setLevel(Level.INFO)
          .setMessage(new SimpleMessage("serving \"questions\"\nwith model base")).build());
      assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, "one line per event: " + line);
      JsonObject event = JsonParser.parseString(line).getAsJsonObject();
      assertEquals("serving \"questions\"\nwith model base", event.get("message").getAsString());
      assertEquals("INFO", event.get("log.level").getAsString());
      assertEquals("io.memreason.cli.ServeCommand", event.get("log.logger").getAsString());

      assertEquals(Level.WARN, config.getLoggerConfig("org.apache.kafka.clients").getLevel(), "log4j2.xml's levels stay");
      assertEquals(Level.INFO, config.getLoggerConfig("io.memreason.cli").getLevel());
    } finally {
      context.stop();
    }
  }

  @Test
  void clusterPodsLogJsonLinesAsTheVariantSaysToSelectIt() {
    assertTrue(Repository.text("config/log4j2-json.xml").contains("LOG4J_CONFIGURATION_FILE=" + JSON_LINES));
    Manifests m = Kustomize.render("k8s/overlays/cpu");
    for (var workload : List.of(m.one("StatefulSet", "memreason"), m.one("CronJob", "memreason-retrain"))) {
      var container = Tree.maps(Manifests.podSpec(workload), "containers").get(0);
      assertEquals(JSON_LINES, Manifests.environment(container).values().get("LOG4J_CONFIGURATION_FILE"));
    }
  }
}
