package io.memreason.kafka;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every log line of this JVM while it is open, at DEBUG and above for every logger (memreason's own at TRACE), with
 * the stack traces and messages of what was thrown; the console keeps its usual levels. Closing restores the
 * configuration.
 */
public final class LogCapture implements AutoCloseable {
  private final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
  private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
  private final Map<LoggerConfig, Level> levels = new HashMap<>();
  private final Appender appender;
  private final Appender console;

  public LogCapture() {
    Configuration config = context.getConfiguration();
    appender = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ').append(event.getLevel()).append(' ')
            .append(event.getMessage().getFormattedMessage());
        if (event.getThrown() != null) {
          StringWriter trace = new StringWriter();
          event.getThrown().printStackTrace(new PrintWriter(trace));
          line.append('\n').append(trace);
        }
        lines.add(line.toString());
      }
    };
    appender.start();
    config.addAppender(appender);
    LoggerConfig root = config.getRootLogger();
    console = root.getAppenders().get("stderr");
    if (console != null) {
      // The console shows warnings and errors meanwhile, not the flood of debug lines.
      root.removeAppender("stderr");
      root.addAppender(console, Level.WARN, null);
    }
    // getLoggers() holds the root too; each logger is changed (and its level remembered) once.
    Set<LoggerConfig> all = new LinkedHashSet<>(config.getLoggers().values());
    all.add(root);
    for (LoggerConfig logger : all) {
      levels.put(logger, logger.getLevel());
      logger.setLevel(logger.getName().startsWith("io.memreason") ? Level.TRACE : Level.DEBUG);
      logger.addAppender(appender, Level.ALL, null);
    }
    context.updateLoggers();
  }

  public List<String> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void close() {
    Configuration config = context.getConfiguration();
    levels.forEach((logger, level) -> {
      logger.removeAppender("capture");
      logger.setLevel(level);
    });
    if (console != null) {
      config.getRootLogger().removeAppender("stderr");
      config.getRootLogger().addAppender(console, null, null);
    }
    context.updateLoggers();
    appender.stop();
  }
}
