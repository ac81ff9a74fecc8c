package io.memreason.pipeline;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.DeadLetter;
import io.memreason.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

/**
 * What the pipeline's exception handlers send instead: for an answer that cannot be sent, a FAILED answer without its
 * trace; for a dead letter that cannot be sent, the same dead letter without the raw bytes; for an input record that
 * could not be processed at all, its dead letter. Every substitute is checked to fit its topic.
 */
final class OutputSubstitutes {
  /** The Streams configuration key under which the pipeline hands its substitutes to the handlers. */
  static final String CONFIG_KEY = "memreason.pipeline.output-substitutes";
  /** The dead-letter type of an input record whose processing failed in a way nobody anticipated. */
  static final String PROCESSING_ERROR = "PROCESSING_ERROR";
  /** The question text a substitute answer keeps at most, when its whole text does not fit either. */
  private static final int KEPT_QUESTION_CHARS = 200;

  private final Serializer<Answer> answers;
  private final Serializer<DeadLetter> deadLetters;
  private final OutputLimits limits;
  private final String deadLettersTopic;
  private final PipelineMetrics metrics;
  private final Clock clock;

  OutputSubstitutes(Serializer<Answer> answers, Serializer<DeadLetter> deadLetters, OutputLimits limits,
                    String deadLettersTopic, PipelineMetrics metrics, Clock clock) {
    this.answers = answers;
    this.deadLetters = deadLetters;
    this.limits = limits;
    this.deadLettersTopic = deadLettersTopic;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** The substitutes the pipeline put into the Streams configuration it gave a handler. */
  static OutputSubstitutes from(Map<String, ?> streamsConfig) {
    if (!(streamsConfig.get(CONFIG_KEY) instanceof OutputSubstitutes substitutes)) {
      throw new ConfigException("the pipeline's exception handlers run inside InferencePipeline only (" + CONFIG_KEY
          + " is not set)");
    }
    return substitutes;
  }

  /**
   * What to send instead of a record its serializer refused, if anything: an answer becomes a FAILED answer that
   * says why, a dead letter loses its raw bytes; a step is dropped (the answer that carries it is then too large as
   * well, and becomes a FAILED answer).
   */
  Optional<ProducerRecord<byte[], byte[]>> insteadOf(ProducerRecord<?, ?> refused, Exception why) {
    byte[] key = refused.key() == null ? null : refused.key().toString().getBytes(StandardCharsets.UTF_8);
    Optional<byte[]> value = Optional.empty();
    if (refused.value() instanceof Answer answer) {
      value = failedAnswer(refused.topic(), answer, "its answer could not be published: " + why.getMessage());
    } else if (refused.value() instanceof DeadLetter letter) {
      value = fitting(refused.topic(), deadLetters.serialize(refused.topic(), DeadLetters.withoutBytes(letter)));
    }
    value.ifPresent(v -> metrics.outputReplaced(refused.value().getClass().getSimpleName()));
    return value.map(v -> new ProducerRecord<>(refused.topic(), refused.partition(), refused.timestamp(), key, v));
  }

  /** The dead letter of an input record whose processing threw, with the record's bytes from the handler's context. */
  Optional<ProducerRecord<byte[], byte[]>> deadLetterFor(ErrorHandlerContext context, Exception why) {
    DeadLetter letter = new DeadLetters(limits.maxValueBytes(deadLettersTopic)).of(context.topic(), context.partition(),
        context.offset(), context.sourceRawKey(), context.sourceRawValue(), PROCESSING_ERROR,
        "processing the record failed unexpectedly (a bug in memreason, please report it): " + why,
        context.processorNodeId(), clock.instant());
    return fitting(deadLettersTopic, deadLetters.serialize(deadLettersTopic, letter))
        .map(v -> new ProducerRecord<>(deadLettersTopic, null, context.timestamp(),
            recordKeyBytes(context.sourceRawKey()), v));
  }

  private Optional<byte[]> failedAnswer(String topic, Answer answer, String error) {
    Answer failed = Answer.newBuilder(answer)
        .setStatus(AnswerStatus.FAILED)
        .setError(ReasonText.of(error))
        .setAnswerText("")
        .setLabel(null)
        .setSteps(List.of())
        .build();
    Optional<byte[]> whole = fitting(topic, answers.serialize(topic, failed));
    if (whole.isPresent()) {
      return whole;
    }
    // A question accepted by an older version may be longer than any limit today: keep its start only.
    failed.setQuestion(ReasonText.cut(failed.getQuestion(), KEPT_QUESTION_CHARS));
    failed.setOptions(null);
    return fitting(topic, answers.serialize(topic, failed));
  }

  private Optional<byte[]> fitting(String topic, byte[] value) {
    return value.length <= limits.maxValueBytes(topic) ? Optional.of(value) : Optional.empty();
  }

  private static byte[] recordKeyBytes(byte[] sourceKey) {
    String key = DeadLetters.recordKey(sourceKey);
    return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
  }
}
