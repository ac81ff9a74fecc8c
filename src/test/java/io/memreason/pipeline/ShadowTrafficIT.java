package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import io.memreason.registry.CanaryRouting;
import io.memreason.registry.LlmVersionLoader;
import io.memreason.registry.ModelSource;
import io.memreason.registry.ShadowSampling;
import io.memreason.registry.SwappableReasoner;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Shadow traffic on the default model: with {@code serving.shadow=1} and a candidate loaded beside the serving version
 * (the same weights under another version name, over the same base), every question is answered by the serving version
 * on the public topics and, once more, by the candidate on the shadow-answers topic only.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ShadowTrafficIT {
  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  @Test
  void everyQuestionIsAlsoAnsweredOnceByTheCandidateOnTheShadowTopicAndOnlyThere(EmbeddedKafka kafka) throws Exception {
    MemreasonConfig config = PipelineFixture.withTopics(PipelineFixture.config(kafka.bootstrapServers(), "shadow")
        .with(Map.of("serving.shadow", "1")));
    List<Question> questions = PipelineFixture.questions("s", 24);
    LlmVersionLoader loader = PipelineFixture.defaultModelLoader();
    ModelSource serving = new ModelSource("v1", PipelineFixture.defaultModel(), Optional.empty());
    ModelSource candidate = new ModelSource("v2", PipelineFixture.defaultModel(), Optional.empty());
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (SwappableReasoner reasoner = new SwappableReasoner("v1", loader.load(serving),
             new ShadowSampling(config.registry().live().shadow()))) {
      reasoner.startCanary("v2", loader.load(candidate), CanaryRouting.NONE);
      try (InferencePipeline pipeline = InferencePipeline.start(config, reasoner, meters);
           PublishedRecords published = new PublishedRecords(config)) {
        pipeline.awaitRunning(TIMEOUT);
        PipelineFixture.produce(config, questions, List.of());
        published.pollUntil(() -> published.answers.size() >= questions.size()
            && published.shadowAnswers.size() >= questions.size(), TIMEOUT, "24 answers and 24 shadow answers");
        published.drainFor(Duration.ofSeconds(1));

        List<String> ids = questions.stream().map(Question::getId).toList();
        published.assertEachAnsweredOnceWithEachStepOnce(ids);
        assertTrue(published.answers.stream().map(ConsumerRecord::value)
            .allMatch(a -> a.getModelVersion().equals("v1") && !a.getShadow()), "users get the serving version's answers");
        assertTrue(published.memorySteps.stream().map(ConsumerRecord::value).allMatch(s -> s.getModelVersion().equals("v1")));
        assertTrue(published.reasonSteps.stream().map(ConsumerRecord::value).allMatch(s -> s.getModelVersion().equals("v1")),
            "no step of a shadow trace on the public step topics");

        Map<String, List<Answer>> shadows = published.shadowAnswers.stream()
            .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.mapping(ConsumerRecord::value, Collectors.toList())));
        assertEquals(Set.copyOf(ids), shadows.keySet());
        Map<String, Answer> served = published.answers.stream()
            .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
        for (String id : ids) {
          assertEquals(1, shadows.get(id).size(), "one shadow answer of " + id);
          Answer shadow = shadows.get(id).get(0);
          assertTrue(shadow.getShadow());
          assertEquals("v2", shadow.getModelVersion());
          assertEquals(AnswerStatus.OK, shadow.getStatus(), shadow.toString());
          assertTrue(shadow.getSteps().stream().allMatch(s -> s.getModelVersion().equals("v2")));
          // The same weights decode greedily: the candidate's trace is the served one, under its own version.
          assertEquals(texts(served.get(id).getSteps()), texts(shadow.getSteps()), id);
          assertEquals(served.get(id).getAnswerText(), shadow.getAnswerText(), id);
        }
        assertEquals(questions.size(), meters.get("memreason.shadow.answers").tag("model_version", "v2")
            .tag("status", "ok").counter().count());
        assertEquals(questions.size(), meters.get("memreason.answers.by.version").tag("model_version", "v1")
            .counter().count(), "shadow answers count in no served figure");
        assertFalse(published.deadLetters.stream().findAny().isPresent());
      }
    }
  }

  private static List<String> texts(List<ReasoningStep> steps) {
    return steps.stream().map(ReasoningStep::getText).toList();
  }
}
