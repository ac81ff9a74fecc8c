package io.memreason.pipeline;

import io.memreason.config.MemreasonConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The pipeline in a process of its own, for the crash test: {@code PipelineProcess BOOTSTRAP NAME [INSTANCE]} runs
 * until it is killed. NAME is the application (its topics and group); INSTANCE (NAME by default) is the member: its
 * state directory (hence its transactional id, which fences a dead predecessor's open transaction at once) and its
 * static group member id (so, restarted, it gets its partitions back without waiting for the session timeout). A
 * new INSTANCE is a replacement with an empty state directory.
 */
public final class PipelineProcess {
  private PipelineProcess() {}

  public static void main(String[] args) throws Exception {
    String instance = args.length > 2 ? args[2] : args[1];
    // The default model answers a question in tens of milliseconds: one question at a time, its steps forwarded and
    // committed every few milliseconds, so that a kill finds a trace half published and not only whole ones.
    MemreasonConfig config = PipelineFixture.configNamed(args[0], args[1])
        .with(Map.of("streams.group.instance.id", instance, "streams.client.id", instance,
            "streams.state.dir", Path.of("target", "it-state", instance).toAbsolutePath().toString(),
            "engine.workers", "1", "engine.max-batch", "1",
            "pipeline.punctuate-interval-ms", "5", "streams.commit.interval.ms", "5"));
    InferencePipeline pipeline = InferencePipeline.start(config, PipelineFixture.reasoner(config),
        new SimpleMeterRegistry());
    pipeline.awaitRunning(Duration.ofSeconds(120));
    System.out.println("pipeline process running");
    new CountDownLatch(1).await();
  }
}
