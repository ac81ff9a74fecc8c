package io.memreason.feedback;

import io.memreason.avro.Answer;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.Feedback;
import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.PendingFeedback;
import io.memreason.avro.TrainingExample;
import io.memreason.config.MemreasonConfig;
import io.memreason.pipeline.DeadLetters;
import io.memreason.pipeline.OutputLimits;
import io.memreason.pipeline.serde.AvroSerdes;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The feedback aggregator as a Kafka Streams topology:
 *
 * <pre>
 *   answers + shadow-answers + feedback ─► feedback-join ─► training-examples (compacted, the latest label per
 *                                                           question, and per shadow answer)
 *                                                       └─► dead-letters
 *   training-examples (as a table) ─► group by model version ─► accuracy ─► feedback-stats (compacted) + gauges
 * </pre>
 *
 * The accuracy is aggregated from the training-examples topic read back as a table, whose latest record per question
 * is its current label: a label that replaces an earlier one arrives with the earlier one, which is subtracted from its
 * version's figures before the new one is added, so the figures move instead of growing.
 */
public final class FeedbackTopology {
  static final String ANSWERS_STORE = "answers-to-label";
  static final String WAITING_STORE = "labels-waiting-for-answers";
  static final String LABELS_STORE = "current-labels";
  static final String ACCURACY_STORE = "accuracy-by-version";

  private FeedbackTopology() {}

  /**
   * @param stores the store of each name: {@link Stores#persistentKeyValueStore} in production, in-memory stores in
   *     tests
   */
  public static Topology build(MemreasonConfig config, AvroSerdes serdes, FeedbackMetrics metrics, Clock clock,
                               Function<String, KeyValueBytesStoreSupplier> stores) {
    MemreasonConfig.Topics topics = config.topics();
    Serde<String> keys = Serdes.String();
    Serde<TrainingExample> examples = serdes.serde(TrainingExample.class);
    Serde<ModelAccuracy> accuracy = serdes.serde(ModelAccuracy.class);

    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(stores.apply(ANSWERS_STORE), keys, serdes.serde(Answer.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(stores.apply(WAITING_STORE), keys,
        serdes.serde(PendingFeedback.class)));

    // Read as raw bytes, decoded by the join: a record that cannot be read becomes a dead letter.
    KStream<byte[], byte[]> input = builder.stream(List.of(topics.answers(), topics.shadowAnswers(), topics.feedback()),
        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("answers-and-feedback-source"));
    input.process(() -> new FeedbackJoinProcessor(topics, config.feedback(),
                serdes.serde(Answer.class).deserializer(), serdes.serde(Feedback.class).deserializer(), metrics,
                new DeadLetters(OutputLimits.ofProducer(config).maxValueBytes(topics.deadLetters()))),
            Named.as(FeedbackJoinProcessor.NAME), ANSWERS_STORE, WAITING_STORE)
        .split(Named.as("joined-"))
        .branch((id, record) -> record instanceof DeadLetter, Branched.<String, SpecificRecord>withConsumer(letters ->
            letters.mapValues(record -> (DeadLetter) record, Named.as("as-dead-letters"))
                .to(topics.deadLetters(), Produced.with(keys, serdes.serde(DeadLetter.class))
                    .withName("dead-letters-sink"))).withName("dead-letters"))
        .defaultBranch(Branched.<String, SpecificRecord>withConsumer(joined ->
            joined.mapValues(record -> (TrainingExample) record, Named.as("as-training-examples"))
                .to(topics.trainingExamples(), Produced.with(keys, examples).withName("training-examples-sink")))
            .withName("training-examples"));

    builder.table(topics.trainingExamples(), Consumed.with(keys, examples).withName("current-labels-source"),
            Materialized.<String, TrainingExample>as(stores.apply(LABELS_STORE)).withKeySerde(keys).withValueSerde(examples))
        .groupBy((id, example) -> KeyValue.pair(ModelAccuracies.versionOf(example), example),
            Grouped.with("labels-by-version", keys, examples))
        .aggregate(ModelAccuracies::empty,
            (version, example, sums) -> ModelAccuracies.add(version, example, sums, clock.instant()),
            (version, example, sums) -> ModelAccuracies.subtract(version, example, sums, clock.instant()),
            Named.as("accuracy"),
            Materialized.<String, ModelAccuracy>as(stores.apply(ACCURACY_STORE)).withKeySerde(keys).withValueSerde(accuracy))
        .toStream(Named.as("accuracy-changes"))
        .peek((version, figures) -> metrics.accuracyChanged(figures), Named.as("accuracy-gauges"))
        .to(topics.feedbackStats(), Produced.with(keys, accuracy).withName("feedback-stats-sink"));
    return builder.build();
  }
}
