package io.memreason.pipeline;

import io.memreason.config.MemreasonConfig;
import io.memreason.demo.AtlasTruthVerifier;
import io.memreason.reasoning.MemoryVerifier;
import io.memreason.training.DefaultModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The pipeline in a process of its own, for the crash tests: {@code PipelineProcess BOOTSTRAP NAME [revise]} runs
 * until it is killed; with {@code revise}, memory steps are checked against the atlas world's truth and contradicted
 * ones revised ({@code pipeline.verify=revise}). Restarted with the same NAME it is the same instance: same state
 * directory (hence the same transactional id, which fences the dead one's open transaction at once) and the same
 * static group member id (so it gets its partitions back without waiting for the session timeout).
 */
public final class PipelineProcess {
  private PipelineProcess() {}

  public static void main(String[] args) throws Exception {
    // The default model answers a question in tens of milliseconds: one question at a time, its steps forwarded and
    // committed every few milliseconds, so that a kill finds a trace half published and not only whole ones.
    boolean revise = args.length > 2 && args[2].equals("revise");
    MemreasonConfig config = PipelineFixture.configNamed(args[0], args[1])
        .with(Map.of("streams.group.instance.id", args[1], "engine.workers", "1", "engine.max-batch", "1",
            "pipeline.punctuate-interval-ms", "5", "streams.commit.interval.ms", "5",
            "pipeline.verify", revise ? "revise" : "off"));
    Optional<MemoryVerifier> verifier = revise
        ? Optional.of(new AtlasTruthVerifier(DefaultModel.defaultRecipe().dataset().world())) : Optional.empty();
    InferencePipeline pipeline = InferencePipeline.start(config, PipelineFixture.reasoner(config),
        new SimpleMeterRegistry(), verifier);
    pipeline.awaitRunning(Duration.ofSeconds(120));
    System.out.println("pipeline process running");
    new CountDownLatch(1).await();
  }
}
