package io.memreason.pipeline.serde;

import io.memreason.avro.Answer;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.Feedback;
import io.memreason.avro.ModelVersion;
import io.memreason.avro.PendingQuestion;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.TrainingExample;
import io.memreason.config.ConfigException;
import io.memreason.config.MemreasonConfig;
import java.util.Collection;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate;
import org.apache.kafka.common.serialization.Serde;

/**
 * Kafka serdes for memreason's Avro records (the classes generated into {@code io.memreason.avro}), in the
 * configured wire format.
 *
 * <p>The default format is Avro single-object encoding: a 2-byte marker, the writer schema's 8-byte
 * fingerprint, then the Avro binary body. A reader resolves the writer schema by fingerprint in a
 * {@link SchemaStore.Cache} that holds the current schema of every record type plus any older versions given
 * here, so a record written by an older producer is read with the current class (schema evolution).
 */
public final class AvroSerdes {
  /** Every record type that travels on a topic or in a state store. */
  static final List<Class<? extends SpecificRecord>> RECORD_TYPES = List.of(Question.class, ReasoningStep.class,
      Answer.class, DeadLetter.class, PendingQuestion.class, Feedback.class, TrainingExample.class,
      ModelVersion.class);

  static {
    // Avro 1.12 refuses to instantiate classes it was not told to trust when it resolves a writer schema
    // against a generated class; memreason's own generated package is trusted, nothing else is added.
    ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(previous,
        type -> type.getPackageName().equals(Question.class.getPackageName())));
  }

  private final SchemaStore.Cache writerSchemas = new SchemaStore.Cache();

  private AvroSerdes(Collection<Schema> olderWriterSchemas) {
    RECORD_TYPES.forEach(type -> writerSchemas.addSchema(schemaOf(type)));
    olderWriterSchemas.forEach(writerSchemas::addSchema);
  }

  /** The serdes of the configured {@code serde.format}. */
  public static AvroSerdes forConfig(MemreasonConfig.Kafka kafka) {
    if (!kafka.serdeFormat().equals("soe")) {
      throw new ConfigException("serde.format=" + kafka.serdeFormat() + " is not available in this build: "
          + "use serde.format=soe (Avro single-object encoding, no registry needed)");
    }
    return singleObject(List.of());
  }

  /**
   * Single-object-encoding serdes that also read records written with the given older schemas. Every schema
   * change changes the fingerprint, so a schema that producers still write must stay known to readers.
   */
  public static AvroSerdes singleObject(Collection<Schema> olderWriterSchemas) {
    return new AvroSerdes(olderWriterSchemas);
  }

  /** The serde of one record type. */
  public <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
    return new SingleObjectSerde<>(type, schemaOf(type), writerSchemas);
  }

  static Schema schemaOf(Class<? extends SpecificRecord> type) {
    return SpecificData.getForClass(type).getSchema(type);
  }
}
