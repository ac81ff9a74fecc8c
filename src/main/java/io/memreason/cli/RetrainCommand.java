package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.feedback.RetrainJob;
import io.memreason.kafka.TopicCreator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code memreason retrain}: one retraining run, e.g. as a Kubernetes Job or CronJob. */
@Command(name = "retrain", mixinStandardHelpOptions = true,
    description = {"Trains a new model version from the labelled traces on topics.training-examples (plus a replay of"
        + " retrain.replay-data), continuing the serving version's adapter; scores it and the serving version on"
        + " retrain.eval-data; registers it in registry.dir and promotes it if it is at least as good (within"
        + " registry.promotion-tolerance), else rejects it. Promotions are announced on topics.model-versions, from"
        + " which serving processes swap. Only one run at a time per registry.",
        "By default a run trains when there is at least one new label since the last run. Prints one line; exit"
        + " code 1 when the run failed (the serving version stays)."})
final class RetrainCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ConfigOptions config;

  @Option(names = "--if-due", description = "Train only when due: retrain.after-examples new labels, or"
      + " retrain.interval-ms since the last run with at least one (for a frequent CronJob).")
  boolean ifDue;

  @Option(names = "--force", description = "Train even without new labels.")
  boolean force;

  @Override
  public Integer call() throws Exception {
    if (ifDue && force) {
      throw new IllegalArgumentException("--if-due and --force contradict each other: choose one");
    }
    MemreasonConfig c = config.load().forComponent(MemreasonConfig.Component.RETRAIN);
    if (c.topics().create()) {
      TopicCreator.createMissing(c);
    }
    RetrainJob.When when = force ? RetrainJob.When.ALWAYS : ifDue ? RetrainJob.When.IF_DUE : RetrainJob.When.IF_NEW_LABELS;
    try (RetrainJob job = RetrainJobFactory.create(c)) {
      RetrainJob.Outcome outcome = job.run(when);
      spec.commandLine().getOut().printf("%s: %s (%d s)%n", outcome.result(), outcome.message(),
          outcome.took().toSeconds());
      return outcome.result() == RetrainJob.Result.FAILED ? 1 : 0;
    }
  }
}
