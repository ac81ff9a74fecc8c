package io.memreason.pipeline.serde;

import io.memreason.avro.Answer;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.Feedback;
import io.memreason.avro.Knowledge;
import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.ModelVersion;
import io.memreason.avro.PendingFeedback;
import io.memreason.avro.PendingQuestion;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.TrainingExample;
import io.memreason.config.ConfigException;
import io.memreason.config.MemreasonConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate;
import org.apache.kafka.common.serialization.Serde;

/**
 * Kafka serdes for memreason's Avro records (the classes generated into {@code io.memreason.avro}), in the
 * configured wire format ({@code serde.format}).
 *
 * <p>{@code soe} (default): Avro single-object encoding, a 2-byte marker, the writer schema's 8-byte fingerprint,
 * then the Avro binary body. A reader resolves the writer schema by fingerprint in a {@link SchemaStore.Cache}
 * that holds the current schema of every record type plus any older versions given here, so a record written by
 * an older producer is read with the current class (schema evolution).
 *
 * <p>{@code registry}: Apicurio Registry serdes; the registry holds every schema version, and the value carries
 * the writer schema's global id.
 */
public final class AvroSerdes {
  /**
   * The earlier versions of memreason's schemas (resources under {@code schemas/history}): records that older
   * versions wrote stay readable, their new fields taking their defaults.
   */
  static final List<String> HISTORY = List.of("schemas/history/DeadLetter-1.avsc", "schemas/history/Question-1.avsc",
      "schemas/history/ReasoningStep-1.avsc", "schemas/history/Answer-1.avsc", "schemas/history/PendingQuestion-1.avsc",
      "schemas/history/TrainingExample-1.avsc", "schemas/history/Answer-2.avsc", "schemas/history/PendingQuestion-2.avsc",
      "schemas/history/TrainingExample-2.avsc", "schemas/history/Feedback-1.avsc");

  /** Every record type that travels on a topic or in a state store. */
  static final List<Class<? extends SpecificRecord>> RECORD_TYPES = List.of(Question.class, ReasoningStep.class,
      Answer.class, DeadLetter.class, PendingQuestion.class, Feedback.class, TrainingExample.class,
      ModelVersion.class, ModelAccuracy.class, PendingFeedback.class, Knowledge.class);

  static {
    // Avro 1.12 refuses to instantiate classes it was not told to trust when it resolves a writer schema
    // against a generated class; memreason's own generated package is trusted, nothing else is added.
    ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(previous,
        type -> type.getPackageName().equals(Question.class.getPackageName())));
  }

  /** Makes the serde of one record type in one wire format. */
  private interface WireFormat {
    <T extends SpecificRecord> Serde<T> serde(Class<T> type);
  }

  private final WireFormat format;

  private AvroSerdes(WireFormat format) {
    this.format = format;
  }

  /** The serdes of the configured {@code serde.format}. */
  public static AvroSerdes forConfig(MemreasonConfig.Kafka kafka) {
    if (kafka.serdeFormat().equals("registry")) {
      if (kafka.registryUrl().isBlank()) {
        throw new ConfigException("serde.format=registry needs serde.registry.url, e.g. http://registry:8080/apis/registry/v2");
      }
      return registry(kafka.registryUrl(), kafka.registryProperties());
    }
    return singleObject(history());
  }

  /** The schemas of {@link #HISTORY}. */
  static List<Schema> history() {
    return HISTORY.stream().map(AvroSerdes::bundledSchema).toList();
  }

  private static Schema bundledSchema(String resource) {
    try (InputStream in = AvroSerdes.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the class path: the build is incomplete");
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  /**
   * Single-object-encoding serdes that also read records written with the given older schemas. Every schema
   * change changes the fingerprint, so a schema that producers still write must stay known to readers.
   */
  public static AvroSerdes singleObject(Collection<Schema> olderWriterSchemas) {
    SchemaStore.Cache writerSchemas = new SchemaStore.Cache();
    RECORD_TYPES.forEach(type -> writerSchemas.addSchema(schemaOf(type)));
    olderWriterSchemas.forEach(writerSchemas::addSchema);
    return new AvroSerdes(new WireFormat() {
      @Override
      public <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
        return new SingleObjectSerde<>(type, schemaOf(type), writerSchemas);
      }
    });
  }

  /**
   * Apicurio Registry serdes against {@code url} (the registry's v2 API). memreason's defaults — register
   * schemas on first use, one artifact per record type, schema id in the value, generated classes on read —
   * can be overridden by {@code apicurioProperties} (any {@code apicurio.*} key).
   */
  public static AvroSerdes registry(String url, Map<String, String> apicurioProperties) {
    Map<String, Object> props = new HashMap<>(RegistrySerde.defaults(url));
    props.putAll(apicurioProperties);
    return new AvroSerdes(new WireFormat() {
      @Override
      public <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
        return new RegistrySerde<>(type, props);
      }
    });
  }

  /** The serde of one record type. */
  public <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
    return format.serde(type);
  }

  static Schema schemaOf(Class<? extends SpecificRecord> type) {
    return SpecificData.getForClass(type).getSchema(type);
  }
}
