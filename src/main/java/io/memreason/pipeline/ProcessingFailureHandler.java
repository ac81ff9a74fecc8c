package io.memreason.pipeline;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference pipeline's {@code processing.exception.handler}, the guard for what nobody thought of: an exception
 * that escapes the processor while it reads an input record dead-letters that record (its raw bytes come with the
 * context) and processing goes on with the next one, so the record is handled once and never read in a loop. A
 * question the processor has already accepted is answered FAILED by the processor itself, which knows its state; an
 * exception of Kafka's own (a fenced producer, an aborted transaction) is left to Kafka Streams.
 */
public final class ProcessingFailureHandler implements ProcessingExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(ProcessingFailureHandler.class);

  private OutputSubstitutes substitutes;

  @Override
  public void configure(Map<String, ?> configs) {
    substitutes = OutputSubstitutes.from(configs);
  }

  @Override
  public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    if (exception instanceof KafkaException) {
      return Response.fail();
    }
    if (context.topic() == null) {
      log.error("a punctuation of {} failed unexpectedly, going on: {}", context.processorNodeId(), exception.toString(),
          exception);
      return Response.resume();
    }
    log.error("the record at {}-{} offset {} could not be processed and becomes a dead letter: {}", context.topic(),
        context.partition(), context.offset(), exception.toString(), exception);
    return substitutes.deadLetterFor(context, exception).map(r -> Response.resume(List.of(r)))
        .orElseGet(Response::resume);
  }
}
