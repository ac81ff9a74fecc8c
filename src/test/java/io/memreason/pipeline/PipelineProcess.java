package io.memreason.pipeline;

import io.memreason.config.MemreasonConfig;
import io.memreason.demo.AtlasTruthVerifier;
import io.memreason.reasoning.MemoryVerifier;
import io.memreason.training.DefaultModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The pipeline in a process of its own, for the crash tests: {@code PipelineProcess BOOTSTRAP NAME [INSTANCE]
 * [revise]} runs until it is killed. NAME is the application (its topics and group); INSTANCE (NAME by default) is
 * the member: its state directory (hence its transactional id, which fences a dead predecessor's open transaction at
 * once) and its static group member id (so, restarted, it gets its partitions back without waiting for the session
 * timeout); a new INSTANCE is a replacement with an empty state directory. With {@code revise}, memory steps are
 * checked against the atlas world's truth and contradicted ones revised ({@code pipeline.verify=revise}).
 */
public final class PipelineProcess {
  private PipelineProcess() {}

  public static void main(String[] args) throws Exception {
    List<String> options = Arrays.asList(args).subList(2, args.length);
    boolean revise = options.contains("revise");
    String instance = options.stream().filter(o -> !o.equals("revise")).findFirst().orElse(args[1]);
    // The default model answers a question in tens of milliseconds: one question at a time, its steps forwarded and
    // committed every few milliseconds, so that a kill finds a trace half published and not only whole ones.
    MemreasonConfig config = PipelineFixture.configNamed(args[0], args[1])
        .with(Map.of("streams.group.instance.id", instance, "streams.client.id", instance,
            "streams.state.dir", Path.of("target", "it-state", instance).toAbsolutePath().toString(),
            "engine.workers", "1", "engine.max-batch", "1",
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
