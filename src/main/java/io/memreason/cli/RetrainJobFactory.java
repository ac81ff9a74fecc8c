package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.feedback.EvaluationSet;
import io.memreason.feedback.LabelledTraceLog;
import io.memreason.feedback.LoraRetrainer;
import io.memreason.feedback.RetrainJob;
import io.memreason.feedback.RetrainPolicy;
import io.memreason.reasoning.Task;
import io.memreason.registry.LiveGate;
import io.memreason.registry.ModelRegistry;
import io.memreason.registry.ModelVersionPublisher;
import io.memreason.registry.PromotionGate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;

/**
 * The retraining job as configured ({@code retrain.*}, {@code registry.*}), for {@code memreason retrain} and for
 * the in-process trigger of {@code serve} and {@code demo}.
 */
final class RetrainJobFactory {
  private RetrainJobFactory() {}

  static RetrainJob create(MemreasonConfig c) {
    MemreasonConfig.Retrain r = c.retrain();
    ModelRegistry registry = ReasonerFactory.registry(c);
    EvaluationSet evaluation = EvaluationSet.read(r.evalData().orElseThrow(() -> new IllegalStateException(
        "retrain.eval-data is not set: name the seed-format file every candidate is scored on against the serving"
            + " version (e.g. the atlas test split)")), Task.fromName(r.evalTask()));
    // The versions loaded for evaluation must not take the serving engine's meters over.
    RetrainJob.Parts parts = new RetrainJob.Parts(registry, new ModelVersionPublisher(c),
        new LabelledTraceLog(c), LoraRetrainer.from(r), ReasonerFactory.versionLoader(c, new SimpleMeterRegistry()),
        evaluation);
    RetrainJob.Settings settings = new RetrainJob.Settings(new RetrainPolicy(r.afterExamples(), r.intervalMs()),
        new PromotionGate(c.registry().promotionTolerance()), () -> ReasonerFactory.configuredModel(c), r.replayData(),
        r.replaySize(), r.seed(), c.engine().maxNewTokens(), Duration.ofMillis(c.pipeline().answerTimeoutMs()),
        Duration.ofMillis(r.lockStaleMs()));
    RetrainJob job = new RetrainJob(parts, settings, Clock.systemUTC());
    MemreasonConfig.Live live = c.registry().live();
    return live.enabled() ? job.withLiveGate(new LiveGate(live.minLabels(), live.confidence())) : job;
  }
}
