package io.memreason.pipeline.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.memreason.avro.Feedback;
import io.memreason.avro.GivenStep;
import io.memreason.avro.PendingQuestion;
import io.memreason.avro.Question;
import io.memreason.avro.RevisedStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

/**
 * Given steps, revisions and verdicts, then the shadow fields, came as optional fields with defaults: what the previous
 * schema versions ({@code schemas/history/*-N.avsc}, the latest of each name) wrote is read by the current classes, and what the current ones write is read
 * with the previous schemas, their new fields left out.
 */
class SchemaEvolutionTest {
  private static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_000L);
  private final AvroSerdes serdes = AvroSerdes.forConfig(MemreasonConfig.defaults().kafka());

  private static Schema previous(String name) {
    return AvroSerdes.history().stream().filter(s -> s.getName().equals(name)).reduce((a, b) -> b).orElseThrow();
  }

  @Test
  void aQuestionOfThePreviousSchemaIsReadWithoutGivenStepsAndRevisingNothing() throws IOException {
    Schema v1 = previous("Question");
    GenericRecord old = new GenericData.Record(v1);
    old.put("id", "q1");
    old.put("text", "Where was Ilva born?");
    old.put("task", new GenericData.EnumSymbol(v1.getField("task").schema().getTypes().get(1), "ATLAS"));
    old.put("submittedAt", T0.toEpochMilli());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old, out);

    Question read = serdes.serde(Question.class).deserializer().deserialize("questions", out.toByteArray());

    assertEquals("Where was Ilva born?", read.getText());
    assertEquals(Task.ATLAS, read.getTask());
    assertNull(read.getGivenSteps());
    assertNull(read.getRevises());
  }

  @Test
  void aRevisionWithGivenStepsIsReadWithThePreviousSchemaAsTheQuestionItAsks() throws IOException {
    Question revision = Question.newBuilder().setId("r1").setText("Where was Ilva born?").setTask(Task.ATLAS)
        .setSubmittedAt(T0)
        .setGivenSteps(List.of(new GivenStep(StepKind.MEMORY, "Ilva was born in Tarsen.")))
        .setRevises(new RevisedStep("q1", 0, null, "v1", 1))
        .build();
    byte[] written = serdes.serde(Question.class).serializer().serialize("questions", revision);

    // A reader of the previous version that knows the writer's schema (from a registry, or upgraded readers first).
    BinaryMessageDecoder<GenericRecord> oldReader = new BinaryMessageDecoder<>(GenericData.get(), previous("Question"));
    oldReader.addSchema(Question.getClassSchema());
    GenericRecord read = oldReader.decode(ByteBuffer.wrap(written));

    assertEquals("r1", read.get("id").toString());
    assertEquals("Where was Ilva born?", read.get("text").toString());
    assertEquals(T0.toEpochMilli(), read.get("submittedAt"));
    assertFalse(read.hasField("givenSteps"));
  }

  @Test
  void aPendingQuestionInAChangelogOfThePreviousVersionIsResumed() throws IOException {
    Schema v1 = previous("PendingQuestion");
    Schema question = v1.getField("question").schema();
    GenericRecord q = new GenericData.Record(question);
    q.put("id", "q1");
    q.put("text", "Where was Ilva born?");
    q.put("submittedAt", T0.toEpochMilli());
    GenericRecord old = new GenericData.Record(v1);
    old.put("question", q);
    old.put("emittedSteps", 2);
    old.put("modelVersion", "v1");
    old.put("acceptedAt", T0.toEpochMilli());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old, out);

    PendingQuestion read = serdes.serde(PendingQuestion.class).deserializer().deserialize("store", out.toByteArray());

    assertEquals(2, read.getEmittedSteps());
    assertNull(read.getAutomaticRevisionId());
    assertNull(read.getQuestion().getGivenSteps());
    assertNull(read.getShadowVersion(), "an entry written before serving.shadow owes no shadow answer");
    assertFalse(read.getAnswered(), "and its served answer is still owed");
  }

  @Test
  void anAnswerAndALabelOfThePreviousVersionAreTheServedAnswerAndItsLabel() throws IOException {
    Schema feedbackV1 = previous("Feedback");
    GenericRecord old = new GenericData.Record(feedbackV1);
    old.put("questionId", "q1");
    old.put("verdict", new GenericData.EnumSymbol(feedbackV1.getField("verdict").schema(), "CORRECT"));
    old.put("stepVerdicts", List.of());
    old.put("labeller", "ana");
    old.put("labelledAt", T0.toEpochMilli());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new BinaryMessageEncoder<GenericRecord>(GenericData.get(), feedbackV1).encode(old, out);

    Feedback read = serdes.serde(Feedback.class).deserializer().deserialize("feedback", out.toByteArray());

    assertEquals("q1", read.getQuestionId());
    assertFalse(read.getShadow(), "a label written before serving.shadow judges the served answer");
  }

  @Test
  void everyChangedRecordIsCompatibleWithItsPreviousVersionBothWays() {
    for (String name : List.of("Question", "ReasoningStep", "Answer", "PendingQuestion", "TrainingExample",
        "Feedback")) {
      Schema now = SpecificData.get().getSchema(SpecificData.get().getClass(previous(name)));
      assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
          SchemaCompatibility.checkReaderWriterCompatibility(now, previous(name)).getType(), name + ": new reads old");
      assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
          SchemaCompatibility.checkReaderWriterCompatibility(previous(name), now).getType(), name + ": old reads new");
    }
  }
}
