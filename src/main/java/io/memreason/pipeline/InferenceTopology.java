package io.memreason.pipeline;

import io.memreason.avro.Answer;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.Knowledge;
import io.memreason.avro.PendingQuestion;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.config.MemreasonConfig;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.MemoryVerifier;
import io.memreason.reasoning.Reasoner;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The inference pipeline as a Kafka Streams topology: questions in; memory steps, reason steps, answers and dead letters
 * out, and a candidate's shadow answers ({@code serving.shadow}) to their own topic; with {@code pipeline.verify=revise} also the revisions it asks, back to the questions topic; with the knowledge
 * topic's verifier, that topic as a global table.
 */
public final class InferenceTopology {
  public static final String QUESTIONS_SOURCE = "questions-source";
  public static final String PROCESSOR = "inference";
  public static final String MEMORY_STEPS_SINK = "memory-steps-sink";
  public static final String REASON_STEPS_SINK = "reason-steps-sink";
  public static final String ANSWERS_SINK = "answers-sink";
  public static final String DEAD_LETTERS_SINK = "dead-letters-sink";
  public static final String REVISIONS_SINK = "revisions-sink";
  public static final String SHADOW_ANSWERS_SINK = "shadow-answers-sink";
  public static final String PENDING_STORE = "pending-questions";

  private InferenceTopology() {}

  /** The production store: RocksDB, changelogged. */
  public static KeyValueBytesStoreSupplier persistentPendingStore() {
    return Stores.persistentKeyValueStore(PENDING_STORE);
  }

  /**
   * Questions are read as raw bytes and decoded by the processor, so a record that cannot be decoded becomes a
   * dead letter instead of stopping the stream. Every sink refuses a value larger than its topic takes
   * ({@link BoundedSerializer}); the {@link ProductionFailureHandler} sends a substitute that fits.
   *
   * @param verifier the memory verifier when {@code pipeline.verify} is on; empty: the knowledge topic's
   */
  static Topology build(MemreasonConfig config, Reasoner reasoner, AvroSerdes serdes, PipelineMetrics metrics,
                        Drain drain, KeyValueBytesStoreSupplier pendingStore, OutputLimits limits,
                        Optional<MemoryVerifier> verifier) {
    MemreasonConfig.Topics topics = config.topics();
    QuestionLimits questionLimits = QuestionLimits.of(config);
    QuestionDecoder decoder = new QuestionDecoder(serdes.serde(Question.class).deserializer(), questionLimits);
    DeadLetters deadLetters = new DeadLetters(limits.maxValueBytes(topics.deadLetters()));
    AutomaticRevisions revisions = new AutomaticRevisions(config.pipeline(), questionLimits);
    StringSerializer keys = new StringSerializer();

    Topology topology = new Topology();
    Optional<Function<ProcessorContext<?, ?>, MemoryVerifier>> verifiers = verifiers(config, verifier, serdes, topology);
    topology.addSource(QUESTIONS_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.questions());
    Admission admission = Admission.of(config.engine());
    topology.addProcessor(PROCESSOR, () -> new InferenceProcessor(reasoner, decoder, deadLetters, config.engine(),
        config.pipeline(), metrics, drain, admission, verifiers, revisions), QUESTIONS_SOURCE);
    topology.addStateStore(Stores.keyValueStoreBuilder(pendingStore, Serdes.String(), serdes.serde(PendingQuestion.class))
        .withCachingEnabled(), PROCESSOR);
    topology.addSink(MEMORY_STEPS_SINK, topics.memorySteps(), keys, bounded(serdes, ReasoningStep.class, limits), PROCESSOR);
    topology.addSink(REASON_STEPS_SINK, topics.reasonSteps(), keys, bounded(serdes, ReasoningStep.class, limits), PROCESSOR);
    topology.addSink(ANSWERS_SINK, topics.answers(), keys, bounded(serdes, Answer.class, limits), PROCESSOR);
    topology.addSink(DEAD_LETTERS_SINK, topics.deadLetters(), keys, bounded(serdes, DeadLetter.class, limits), PROCESSOR);
    topology.addSink(REVISIONS_SINK, topics.questions(), keys, bounded(serdes, Question.class, limits), PROCESSOR);
    topology.addSink(SHADOW_ANSWERS_SINK, topics.shadowAnswers(), keys, bounded(serdes, Answer.class, limits), PROCESSOR);
    return topology;
  }

  /**
   * How each processor gets its memory verifier: none with {@code pipeline.verify=off}; the one given; or the
   * knowledge topic's, over a global table this adds to the topology.
   */
  private static Optional<Function<ProcessorContext<?, ?>, MemoryVerifier>> verifiers(
      MemreasonConfig config, Optional<MemoryVerifier> verifier, AvroSerdes serdes, Topology topology) {
    if (!config.pipeline().verify().checks()) {
      return Optional.empty();
    }
    if (verifier.isPresent()) {
      return Optional.of(context -> verifier.get());
    }
    Deserializer<Knowledge> knowledge = serdes.serde(Knowledge.class).deserializer();
    KnowledgeTable.addTo(topology, config.topics().knowledge(), knowledge);
    return Optional.of(context -> KnowledgeTable.verifier(context, knowledge));
  }

  /**
   * The Streams configuration of the topology's exception handling: an output that cannot be sent is replaced by
   * one that fits ({@link ProductionFailureHandler}), an input record that cannot be processed becomes a dead letter
   * ({@link ProcessingFailureHandler}); the substitutes they send reach them under {@link OutputSubstitutes#CONFIG_KEY}.
   */
  static Map<String, Object> exceptionHandling(MemreasonConfig config, AvroSerdes serdes, PipelineMetrics metrics,
                                               OutputLimits limits) {
    return Map.of(
        StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, ProductionFailureHandler.class,
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ProcessingFailureHandler.class,
        OutputSubstitutes.CONFIG_KEY, new OutputSubstitutes(serdes.serde(Answer.class).serializer(),
            serdes.serde(DeadLetter.class).serializer(), limits, config.topics().deadLetters(), metrics,
            Clock.systemUTC()));
  }

  private static <T extends SpecificRecord> Serializer<T> bounded(AvroSerdes serdes, Class<T> type,
                                                                   OutputLimits limits) {
    return new BoundedSerializer<>(serdes.serde(type).serializer(), limits::maxValueBytes);
  }
}
