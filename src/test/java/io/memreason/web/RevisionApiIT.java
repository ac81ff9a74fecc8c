package io.memreason.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import io.memreason.pipeline.InferencePipeline;
import io.memreason.pipeline.PipelineFixture;
import io.memreason.reasoning.Reasoner;
import io.memreason.training.DefaultModel;
import io.memreason.training.atlas.AtlasDataset;
import io.memreason.training.atlas.AtlasQuestion;
import io.memreason.training.atlas.EntityKind;
import io.memreason.training.atlas.QuestionType;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code POST /api/questions/{id}/revisions} end to end on the default model: a question is asked and answered, one
 * of its steps corrected through the API, and the revision answered from the corrected step, linked both ways.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class RevisionApiIT {
  private static final Duration WAIT = Duration.ofSeconds(90);

  private static JsonObject json(HttpResponse<String> r) {
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  @Test
  void aStepCorrectedThroughTheApiIsContinuedByTheModelAndLinkedToItsOriginal(EmbeddedKafka kafka) throws Exception {
    MemreasonConfig config = PipelineFixture.withTopics(PipelineFixture.config(kafka.bootstrapServers(), "revise-api")
        .with(Map.of("web.host", "127.0.0.1", "web.port", "0", "web.auth", "none")));
    AtlasDataset dataset = DefaultModel.defaultRecipe().dataset();
    AtlasQuestion lookup = dataset.test().stream().filter(q -> q.type() == QuestionType.WHERE_BORN).skip(4).findFirst()
        .orElseThrow();
    String city = dataset.world().names(EntityKind.CITY).stream().filter(c -> !c.equals(lookup.answer())).findFirst()
        .orElseThrow();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Reasoner reasoner = PipelineFixture.reasoner();
         InferencePipeline pipeline = InferencePipeline.start(config, reasoner, registry);
         TraceMonitor monitor = TraceMonitor.start(config);
         WebServer web = WebServer.start(config.web(), registry, () -> Health.of(pipeline.state()), monitor)) {
      pipeline.awaitRunning(WAIT);
      ApiClient api = new ApiClient(web.port());
      HttpResponse<String> asked = api.post("/api/questions", null,
          "{\"text\": \"" + lookup.question() + "\", \"task\": \"ATLAS\"}");
      assertEquals(202, asked.statusCode(), asked.body());
      String id = json(asked).get("id").getAsString();
      JsonObject original = json(api.get("/api/answers/" + id + "?timeoutMs=" + WAIT.toMillis(), null));
      assertEquals(lookup.answer(), original.getAsJsonObject("answer").get("label").getAsString());

      String corrected = lookup.about().get(0) + " was born in " + city + ".";
      HttpResponse<String> revised = api.post("/api/questions/" + id + "/revisions", null,
          "{\"stepIndex\": 0, \"text\": \"" + corrected + "\"}");
      assertEquals(202, revised.statusCode(), revised.body());
      String revisionId = json(revised).get("id").getAsString();
      HttpResponse<String> answered = api.get("/api/answers/" + revisionId + "?timeoutMs=" + WAIT.toMillis(), null);
      assertEquals(200, answered.statusCode(), answered.body());
      JsonObject revision = json(answered);

      assertEquals(id, revision.getAsJsonObject("revises").get("questionId").getAsString());
      assertEquals(reasoner.modelVersion(), revision.getAsJsonObject("revises").get("modelVersion").getAsString());
      JsonObject given = revision.getAsJsonArray("steps").get(0).getAsJsonObject();
      assertTrue(given.get("given").getAsBoolean());
      assertEquals(corrected, given.get("text").getAsString());
      assertEquals(city, revision.getAsJsonObject("answer").get("label").getAsString(),
          "the model continues from the corrected step: " + revision);
      JsonObject linked = json(api.get("/api/answers/" + id + "?timeoutMs=0", null));
      assertEquals(revisionId, linked.getAsJsonArray("revisions").get(0).getAsString());
    }
  }
}
