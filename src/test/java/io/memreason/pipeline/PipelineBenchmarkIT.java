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
import java.time.Duration;
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
    try (Reasoner reasoner = PipelineFixture.reasoner()) {
      PipelineBenchmark.Result direct = PipelineBenchmark.direct(reasoner, questions, config.engine(), Duration.ZERO, timeout);
      PipelineBenchmark.Result endToEnd = PipelineBenchmark.endToEnd(config, reasoner,
          PipelineFixture.questions("w", 4), questions, Duration.ZERO, timeout);
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
    }
  }
}
