package io.memreason.pipeline;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference pipeline's {@code production.exception.handler}: a record its serializer refused (too large for its
 * topic, see {@link BoundedSerializer}, or not serializable at all) is replaced by a substitute that fits
 * ({@link OutputSubstitutes}: a FAILED answer, a dead letter without its raw bytes) and processing goes on. Nothing
 * was sent, so the transaction is unharmed. A record the producer or the broker refused after it was sent has
 * already doomed the transaction under exactly-once: that stays a failure of the stream thread.
 */
public final class ProductionFailureHandler implements ProductionExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(ProductionFailureHandler.class);

  private OutputSubstitutes substitutes;

  @Override
  public void configure(Map<String, ?> configs) {
    substitutes = OutputSubstitutes.from(configs);
  }

  @Override
  @SuppressWarnings("rawtypes")
  public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                           SerializationExceptionOrigin origin) {
    Optional<ProducerRecord<byte[], byte[]>> instead = substitutes.insteadOf(record, exception);
    String what = record.value() == null ? "record" : record.value().getClass().getSimpleName();
    log.warn("cannot publish the {} for {} (key {}): {}; {}", what, record.topic(),
        ReasonText.quote(String.valueOf(record.key())), exception.getMessage(),
        instead.isPresent() ? "publishing a substitute that fits" : "it is dropped");
    return instead.map(r -> Response.resume(List.of(r))).orElseGet(Response::resume);
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
    log.error("a record of {} bytes for {} was refused after it was sent: {}", record.value() == null ? 0
        : record.value().length, record.topic(), exception.toString());
    return Response.fail();
  }
}
