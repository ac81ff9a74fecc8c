package io.memreason.hub;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every log event of the process while open, at every level (memreason's loggers and the libraries' ones), with
 * its message and its exception's stack trace as text.
 */
final class CapturedLogs implements AutoCloseable {
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
  private final AbstractAppender appender;
  private final Level rootLevel;
  private final Level memreasonLevel;

  CapturedLogs() {
    Configuration config = context.getConfiguration();
    appender = new AbstractAppender("captured-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        StringBuilder line = new StringBuilder(event.getLevel() + " " + event.getLoggerName() + " "
            + event.getMessage().getFormattedMessage());
        if (event.getThrown() != null) {
          StringWriter trace = new StringWriter();
          event.getThrown().printStackTrace(new PrintWriter(trace));
          line.append('\n').append(trace);
        }
        events.add(line.toString());
      }
    };
    appender.start();
    LoggerConfig root = config.getRootLogger();
    LoggerConfig memreason = config.getLoggerConfig("io.memreason");
    rootLevel = root.getLevel();
    memreasonLevel = memreason.getLevel();
    root.addAppender(appender, Level.ALL, null);
    root.setLevel(Level.ALL);
    memreason.setLevel(Level.ALL);
    context.updateLoggers();
  }

  List<String> events() {
    return List.copyOf(events);
  }

  String text() {
    return String.join("\n", events);
  }

  @Override
  public void close() {
    Configuration config = context.getConfiguration();
    config.getRootLogger().removeAppender(appender.getName());
    config.getRootLogger().setLevel(rootLevel);
    config.getLoggerConfig("io.memreason").setLevel(memreasonLevel);
    context.updateLoggers();
    appender.stop();
  }
}
