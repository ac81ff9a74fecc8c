package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import io.memreason.reasoning.Reasoner;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The benchmark's two runs answer every question and report consistent figures. */
@ExtendWith(EmbeddedKafkaExtension.class)
class PipelineBenchmarkIT {

  @Test
  void measuresTheSameQuestionsDirectlyAndEndToEnd(EmbeddedKafka kafka) throws Exception {
    MemreasonConfig config = PipelineFixture.withTopics(PipelineFixture.config(kafka.bootstrapServers(), "bench"));
    List<Question> questions = PipelineFixture.questions("b", 40);
    Duration timeout = Duration.ofSeconds(120);
    SimpleMeterRegistry engineMeters = new SimpleMeterRegistry();
    try (Reasoner reasoner = PipelineFixture.reasoner(engineMeters);
         PipelineBenchmark.RunningPipeline running = PipelineBenchmark.RunningPipeline.start(config, reasoner,
             "in-process", PipelineFixture.questions("w", 4), timeout)) {
      // Warm-up answers whole rounds, every one of their questions each way, and stops at its limit at the latest.
      List<String> warmedUp = new ArrayList<>();
      PipelineBenchmark.Warmup warmup = PipelineBenchmark.warmUp(8, 0.03,
          i -> PipelineFixture.questions("warm" + i + "-", 4), batch -> {
            PipelineBenchmark.direct(reasoner, engineMeters, batch, config.engine(), Duration.ZERO, timeout);
            running.answerUnmeasured(batch, timeout);
            batch.forEach(q -> warmedUp.add(q.getId()));
          });
      assertTrue(warmup.questionsPerPath() == 4 && warmup.rounds() == 1
          || warmup.questionsPerPath() == 8 && warmup.rounds() == 2, warmup.json());
      assertEquals(warmup.questionsPerPath(), warmedUp.size());
      // The compiler's time is that of its threads, which run beside the others: it can exceed the process's CPU.
      assertTrue(warmup.lastJitShare() >= 0, warmup.json());
      PipelineBenchmark.Result direct = PipelineBenchmark.direct(reasoner, engineMeters, questions, config.engine(),
          Duration.ZERO, timeout);
      PipelineBenchmark.Result endToEnd = running.measure(engineMeters, questions, Duration.ZERO, timeout);
      System.out.println(direct.json());
      System.out.println(endToEnd.json());
      System.out.println(PipelineBenchmark.comparison(direct, endToEnd));

      assertEquals(40, direct.questions());
      assertEquals(40, endToEnd.questions());
      assertTrue(direct.p50Ms() <= direct.p99Ms() && endToEnd.p50Ms() <= endToEnd.p99Ms());
      JsonObject comparison = JsonParser.parseString(PipelineBenchmark.comparison(direct, endToEnd)).getAsJsonObject();
      assertEquals("comparison", comparison.get("mode").getAsString());
      assertEquals(Math.round(endToEnd.questionsPerSecond() / direct.questionsPerSecond() * 100) / 100.0,
          comparison.get("ratio").getAsDouble());
      assertEquals("in-process", comparison.get("broker").getAsString());

      // What the pipeline spent per question: one answer each, its steps, a share of the transactions.
      JsonObject pipeline = JsonParser.parseString(endToEnd.json()).getAsJsonObject();
      JsonObject byTopic = pipeline.getAsJsonObject("records_per_question_by_topic");
      assertEquals(1.0, byTopic.get(config.topics().answers()).getAsDouble(), "one answer per question");
      // A topic the measured questions wrote nothing to (some sets of atlas questions have no reason step) is absent.
      double steps = recordsTo(byTopic, config.topics().memorySteps()) + recordsTo(byTopic, config.topics().reasonSteps());
      assertTrue(steps >= 1, "every atlas question has steps: " + byTopic);
      assertTrue(pipeline.get("records_per_question").getAsDouble() >= 1 + steps);
      assertTrue(pipeline.get("transactions_per_question").getAsDouble() > 0);
      assertTrue(pipeline.get("streams_cpu_ms_per_question").getAsDouble() > 0);
      assertTrue(pipeline.get("process_cpu_ms_per_question").getAsDouble()
          > pipeline.get("streams_cpu_ms_per_question").getAsDouble());
      assertTrue(pipeline.get("mean_batch").getAsDouble() >= 1, "the engine's batches are reported: " + pipeline);
      // Where the CPU went: the model's threads, the JIT compiler and the collector, for both runs.
      JsonObject directJson = JsonParser.parseString(direct.json()).getAsJsonObject();
      for (JsonObject run : List.of(directJson, pipeline)) {
        assertTrue(run.get("jit_compile_ms_per_question").getAsDouble() >= 0, run.toString());
        assertTrue(run.get("gc_ms_per_question").getAsDouble() >= 0, run.toString());
        assertTrue(run.getAsJsonObject("cpu_ms_per_question_by_thread").get("memreason-generator-N").getAsDouble() > 0,
            run.toString());
      }
      assertTrue(pipeline.getAsJsonObject("cpu_ms_per_question_by_thread").keySet().stream()
          .anyMatch(kind -> kind.contains("StreamThread")), pipeline.toString());
      // Decode steps per question are tokens per question over the batch: below 1 with big batches, never 0.
      assertTrue(JsonParser.parseString(direct.json()).getAsJsonObject().get("decode_steps_per_question")
          .getAsDouble() > 0);
    }
  }

  private static double recordsTo(JsonObject byTopic, String topic) {
    return byTopic.has(topic) ? byTopic.get(topic).getAsDouble() : 0;
  }
}
