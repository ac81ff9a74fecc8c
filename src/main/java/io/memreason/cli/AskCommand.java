package io.memreason.cli;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import io.memreason.console.TracePrinter;
import io.memreason.kafka.ClientProperties;
import io.memreason.pipeline.QuestionLimits;
import io.memreason.pipeline.TraceSubscription;
import io.memreason.pipeline.serde.AvroSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code memreason ask "question"}: one question to a running pipeline, its trace printed as it is written. */
@Command(name = "ask", mixinStandardHelpOptions = true,
    description = "Ask a running pipeline one question; print its memory and reason steps live, then the answer.")
final class AskCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions config;

  @Parameters(index = "0", paramLabel = "QUESTION", description = "The question.")
  String text;

  @Option(names = "--task", defaultValue = "OPEN",
      description = "Answer format: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
  Task task;

  @Option(names = "--options", split = "\\|", paramLabel = "OPTION",
      description = "Multiple-choice options, separated by |, lettered A, B, ... in order.")
  List<String> options;

  @Option(names = "--id", description = "Question id (default: a random UUID).")
  String id;

  @Option(names = "--timeout-s", defaultValue = "600", description = "Give up after this many seconds. Default: ${DEFAULT-VALUE}.")
  long timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    MemreasonConfig c = config.load().forComponent(MemreasonConfig.Component.ASK);
    Question q = Question.newBuilder().setId(id != null ? id : UUID.randomUUID().toString()).setText(text)
        .setTask(task).setOptions(options == null || options.isEmpty() ? null : options)
        .setSubmittedAt(Instant.now()).build();
    // The pipeline would dead-letter it and no answer would come: say why now.
    QuestionLimits.of(c).problem(q, Instant.now()).ifPresent(problem -> {
      throw new IllegalArgumentException("the pipeline would refuse this question: " + problem);
    });
    TracePrinter printer = new TracePrinter(System.out, Ansi.AUTO.enabled(), Set.of(q.getId()));
    AnswerStatus[] status = new AnswerStatus[1];
    TraceSubscription.Handler handler = new TraceSubscription.Handler() {
      @Override
      public void onStep(ReasoningStep step) {
        printer.onStep(step);
      }

      @Override
      public void onAnswer(Answer answer) {
        if (answer.getQuestionId().equals(q.getId())) {
          status[0] = answer.getStatus();
        }
        printer.onAnswer(answer);
      }
    };
    // Subscribe before producing, so not even the first step can be missed.
    try (TraceSubscription subscription = TraceSubscription.fromNow(c);
         KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ClientProperties.producer(c))) {
      String topic = c.topics().questions();
      producer.send(new ProducerRecord<>(topic, q.getId().getBytes(StandardCharsets.UTF_8),
          AvroSerdes.forConfig(c.kafka()).serde(Question.class).serializer().serialize(topic, q))).get(30, TimeUnit.SECONDS);
      printer.question(q);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      while (status[0] == null) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no answer to question " + q.getId() + " within " + timeoutSeconds
              + " s: is `memreason serve` running against " + c.kafka().bootstrapServers() + "?");
        }
        subscription.poll(Duration.ofMillis(200), handler);
      }
    }
    return status[0] == AnswerStatus.FAILED ? 1 : 0;
  }
}
