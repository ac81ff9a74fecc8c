package io.memreason.cli;

import io.memreason.llm.DjlEnvironment;
import picocli.CommandLine;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.ParseResult;

/** The memreason command line: {@code memreason <command> [options]}. */
@Command(name = "memreason", mixinStandardHelpOptions = true, version = "memreason 0.1.0",
    description = "Streaming question answering with a memory/reason step-token LLM on Kafka.",
    subcommands = {CommandLine.HelpCommand.class, BrokerCommand.class, ServeCommand.class, AskCommand.class,
        DemoCommand.class, BenchCommand.class, ScoreCommand.class, TrainCommand.class, EvalCommand.class,
        BootstrapCommand.class, RetrainCommand.class, FetchModelCommand.class,
        ImportReferenceCommand.class, TokenCommand.class})
public final class Main implements Runnable {
  static final String VERBOSE = "--verbose";

  @Option(names = VERBOSE, scope = ScopeType.INHERIT, description = "Show every log line: Kafka's at INFO, and the"
      + " warnings every healthy run has, which are hidden otherwise (see config/log4j2.xml).")
  boolean verbose;

  public static void main(String[] args) {
    // Before any logger exists (the commands' classes have some): log4j2.xml reads these when it starts.
    if (Arrays.asList(args).contains(VERBOSE)) {
      System.setProperty("memreason.log.kafka", "INFO");
      System.setProperty("memreason.log.benign", "NEUTRAL");
    }
    CommandLine commandLine = commandLine();
    // Before any DJL class loads: offline, no telemetry, and torch's threads: one per worker thread when serving,
    // what the training command asks for when training.
    DjlEnvironment.configure(torchThreads(commandLine, args));
    System.exit(commandLine.execute(args));
  }

  /**
   * Torch's intra-op threads for the command the arguments name: what a training command asks for, otherwise 1.
   * Parsing touches no DJL class.
   */
  static int torchThreads(CommandLine commandLine, String[] args) {
    try {
      ParseResult parsed = commandLine.parseArgs(args);
      while (parsed.hasSubcommand()) {
        parsed = parsed.subcommand();
      }
      return parsed.commandSpec().userObject() instanceof TrainsModels training ? training.torchThreads() : 1;
    } catch (CommandLine.ParameterException e) {
      return 1;
    }
  }

  /** The command tree with memreason's error handling: a failure is one line on stderr, not a stack trace. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("memreason " + cmd.getCommandName() + ": " + OneLineError.describe(e));
      if (System.getenv("MEMREASON_DEBUG") != null) {
        e.printStackTrace(cmd.getErr());
      }
      return 1;
    });
    cl.setParameterExceptionHandler((e, args) -> {
      e.getCommandLine().getErr().println("memreason: " + e.getMessage() + " (see --help)");
      return 2;
    });
    return cl;
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
