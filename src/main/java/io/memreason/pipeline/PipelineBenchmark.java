package io.memreason.pipeline;

import com.google.gson.Gson;
import io.memreason.avro.Answer;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.TraceListener;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the pipeline costs on top of the model: the same questions answered by the {@link Reasoner} directly
 * (same batching, no Kafka) and end to end (produced to the questions topic, answer read back read_committed).
 */
public final class PipelineBenchmark {
  private static final Gson GSON = new Gson();
  private static final Duration SUBMIT_WAIT = Duration.ofMillis(100);
  private static final Duration POLL_MIN = Duration.ofMillis(1);
  private static final Duration POLL_MAX = Duration.ofMillis(100);

  /**
   * Throughput and latency of one way of answering the questions, and what it cost.
   *
   * @param broker where the pipeline's broker ran ({@code in-process}, or its address), empty for the direct run
   * @param cost CPU per question (and, for the pipeline, records, bytes and transactions per question)
   */
  public record Result(String mode, String broker, int questions, double seconds, double questionsPerSecond,
                       long p50Ms, long p99Ms, Map<String, Object> cost) {
    /** One JSON line. */
    public String json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("bench", "pipeline");
      m.put("mode", mode);
      if (!broker.isEmpty()) {
        m.put("broker", broker);
      }
      m.put("questions", questions);
      m.put("seconds", round(seconds));
      m.put("questions_per_s", round(questionsPerSecond));
      m.put("p50_ms", p50Ms);
      m.put("p99_ms", p99Ms);
      m.putAll(cost);
      return GSON.toJson(m);
    }
  }

  private PipelineBenchmark() {}

  /**
   * The end-to-end throughput over the direct one, and the latency the pipeline adds (its percentile minus the
   * direct one), as one JSON line.
   */
  public static String comparison(Result direct, Result endToEnd) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("bench", "pipeline");
    m.put("mode", "comparison");
    m.put("broker", endToEnd.broker());
    m.put("questions", endToEnd.questions());
    m.put("direct_questions_per_s", round(direct.questionsPerSecond()));
    m.put("pipeline_questions_per_s", round(endToEnd.questionsPerSecond()));
    m.put("ratio", round(endToEnd.questionsPerSecond() / direct.questionsPerSecond()));
    m.put("pipeline_p50_ms", endToEnd.p50Ms());
    m.put("pipeline_p99_ms", endToEnd.p99Ms());
    m.put("added_p50_ms", endToEnd.p50Ms() - direct.p50Ms());
    m.put("added_p99_ms", endToEnd.p99Ms() - direct.p99Ms());
    return GSON.toJson(m);
  }

  /** The median of the rounds' ratios on one broker, as one JSON line. */
  public static String medianRatio(String broker, List<Double> ratios) {
    List<Double> sorted = ratios.stream().sorted().toList();
    int n = sorted.size();
    double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("bench", "pipeline");
    m.put("mode", "median");
    m.put("broker", broker);
    m.put("rounds", n);
    m.put("ratios", sorted.stream().map(PipelineBenchmark::round).toList());
    m.put("median_ratio", round(median));
    return GSON.toJson(m);
  }

  /**
   * Offers the questions to the reasoner, one every {@code interval} (zero: all at once; each is submitted as soon
   * as the reasoner accepts it); a question's latency runs from its turn (waiting for room included, as in the
   * pipeline, where it waits on the topic) to its finished trace.
   */
  public static Result direct(Reasoner reasoner, MeterRegistry engineMeters, List<Question> questions,
                              MemreasonConfig.Engine engine, Duration interval, Duration timeout)
      throws InterruptedException {
    CountDownLatch finished = new CountDownLatch(questions.size());
    Map<String, Long> latencies = new ConcurrentHashMap<>();
    CpuUse cpuBefore = CpuUse.now();
    EngineSteps stepsBefore = EngineSteps.of(engineMeters);
    long start = System.nanoTime();
    for (int i = 0; i < questions.size(); i++) {
      Question q = questions.get(i);
      long turn = start + i * interval.toNanos();
      pace(turn);
      ReasoningRequest request = ReasoningRequests.from(q, engine, reasoner.modelVersion());
      TraceListener listener = new TraceListener() {
        @Override
        public void onStep(Step step) {}

        @Override
        public void onFinished(Trace trace) {
          latencies.put(q.getId(), System.nanoTime() - turn);
          finished.countDown();
        }
      };
      while (!reasoner.submit(request, listener, SUBMIT_WAIT)) {
        checkDeadline(start, timeout, latencies.size(), questions.size());
      }
    }
    if (!finished.await(Math.max(1, timeout.toNanos() - (System.nanoTime() - start)), TimeUnit.NANOSECONDS)) {
      throw new IllegalStateException("the model answered " + latencies.size() + " of " + questions.size()
          + " questions within " + timeout.toSeconds() + " s");
    }
    long elapsed = System.nanoTime() - start;
    Map<String, Object> cost = new LinkedHashMap<>(CpuUse.now().since(cpuBefore, "", questions.size()));
    cost.putAll(EngineSteps.of(engineMeters).since(stepsBefore, questions.size()));
    return result("direct", "", new ArrayList<>(latencies.values()), elapsed, cost);
  }

  /**
   * The engine's decoding steps so far and the sequences they decoded in all (from {@code memreason.engine.batch.size}):
   * a model fed too slowly decodes smaller batches, so more steps for the same questions.
   */
  private record EngineSteps(long steps, double sequences) {
    static EngineSteps of(MeterRegistry meters) {
      DistributionSummary batches = meters.find("memreason.engine.batch.size").summary();
      return batches == null ? new EngineSteps(0, 0) : new EngineSteps(batches.count(), batches.totalAmount());
    }

    Map<String, Object> since(EngineSteps before, int questions) {
      long steps = this.steps - before.steps;
      if (steps == 0) {
        return Map.of();
      }
      return Map.of("decode_steps_per_question", round((double) steps / questions),
          "mean_batch", round((sequences - before.sequences) / steps));
    }
  }

  /**
   * How the benchmark was warmed up: the questions each way of answering got unmeasured and the JIT compiler's share
   * of the process's CPU during the last round of them.
   */
  public record Warmup(int questionsPerPath, int rounds, double lastJitShare) {
    /** One JSON line. */
    public String json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("bench", "pipeline");
      m.put("mode", "warmup");
      m.put("questions_per_path", questionsPerPath);
      m.put("rounds", rounds);
      m.put("last_round_jit_share", round(lastJitShare));
      return GSON.toJson(m);
    }
  }

  /** Answers one round of questions, unmeasured, every way the benchmark measures. */
  public interface Round {
    void answer(List<Question> questions) throws InterruptedException;
  }

  /**
   * Answers rounds of questions ({@code batches.apply(i)}, with ids of their own) until the JIT compiler takes under
   * {@code settledJitShare} of the process's CPU in one, or {@code limit} questions are answered. On two cores the JVM
   * compiles the code of the model, Kafka's clients and an in-process broker for minutes, and its compiler threads
   * take the model's CPU meanwhile; a serving process has long done so, and it is that process the measurement is of.
   * A round goes every way the measured rounds go, in their order, so that the code each way runs, and the profiles
   * the compiler sees, are those of the measured rounds.
   */
  public static Warmup warmUp(int limit, double settledJitShare, IntFunction<List<Question>> batches, Round round)
      throws InterruptedException {
    int answered = 0;
    int rounds = 0;
    double share = 1;
    while (answered < limit && share >= settledJitShare) {
      List<Question> questions = batches.apply(rounds++);
      CpuUse before = CpuUse.now();
      round.answer(questions);
      share = CpuUse.now().jitShareSince(before);
      answered += questions.size();
    }
    return new Warmup(answered, rounds, share);
  }

  /**
   * A pipeline that runs for the whole benchmark, as in a serving process, with a subscription to its output and a
   * producer of questions. Every warm-up batch and measured run goes through this one pipeline: a new pipeline per
   * run (new topics, a new Streams instance, new clients) had the JVM compile part of Kafka's code again in every
   * measured run.
   */
  public static final class RunningPipeline implements AutoCloseable {
    private final MemreasonConfig config;
    private final String broker;
    private final InferencePipeline pipeline;
    private final TraceSubscription subscription;
    private final KafkaProducer<byte[], byte[]> producer;

    private RunningPipeline(MemreasonConfig config, String broker, InferencePipeline pipeline,
                            TraceSubscription subscription, KafkaProducer<byte[], byte[]> producer) {
      this.config = config;
      this.broker = broker;
      this.pipeline = pipeline;
      this.subscription = subscription;
      this.producer = producer;
    }

    /**
     * Runs the pipeline on the configured cluster (topics must exist) and answers the {@code firstQuestions}
     * unmeasured: the first transactions and fetches of a fresh pipeline take up to a second, which a running one
     * does not pay. {@code broker} says where the broker runs, for the report.
     */
    public static RunningPipeline start(MemreasonConfig config, Reasoner reasoner, String broker,
                                        List<Question> firstQuestions, Duration timeout) throws InterruptedException {
      InferencePipeline pipeline = InferencePipeline.start(config, reasoner, new SimpleMeterRegistry());
      RunningPipeline running = null;
      try {
        running = new RunningPipeline(config, broker, pipeline, TraceSubscription.fromNow(config),
            new KafkaProducer<>(ClientProperties.producer(config)));
        pipeline.awaitRunning(timeout);
        running.answer(firstQuestions, Duration.ZERO, timeout);
        return running;
      } catch (InterruptedException | RuntimeException e) {
        if (running != null) {
          running.close();
        } else {
          pipeline.close();
        }
        throw e;
      }
    }

    /** Answers the questions, unmeasured. */
    public void answerUnmeasured(List<Question> questions, Duration timeout) {
      answer(questions, Duration.ZERO, timeout);
    }

    /**
     * Produces the questions, one every {@code interval} (zero: all at once), and waits for all their answers; a
     * question's latency runs from its production to its answer being readable.
     */
    public Result measure(MeterRegistry engineMeters, List<Question> questions, Duration interval, Duration timeout) {
      String applicationId = config.kafka().applicationId();
      PipelineProfile.Snapshot before = PipelineProfile.snapshot(pipeline, applicationId);
      EngineSteps stepsBefore = EngineSteps.of(engineMeters);
      long start = System.nanoTime();
      List<Long> latencies = answer(questions, interval, timeout);
      long elapsed = System.nanoTime() - start;
      PipelineProfile profile = PipelineProfile.between(before, PipelineProfile.snapshot(pipeline, applicationId),
          questions.size());
      Map<String, Object> cost = new LinkedHashMap<>(profile.fields());
      cost.putAll(EngineSteps.of(engineMeters).since(stepsBefore, questions.size()));
      return result("pipeline", broker, latencies, elapsed, cost);
    }

    private List<Long> answer(List<Question> questions, Duration interval, Duration timeout) {
      return PipelineBenchmark.answer(config, subscription, producer, questions, interval, timeout);
    }

    @Override
    public void close() {
      try {
        producer.close();
        subscription.close();
      } finally {
        pipeline.close();
      }
    }
  }

  /** Produces each question on its turn and times its answer; the latencies in nanoseconds. */
  private static List<Long> answer(MemreasonConfig config, TraceSubscription subscription,
                               KafkaProducer<byte[], byte[]> producer, List<Question> questions, Duration interval,
                               Duration timeout) {
    Serializer<Question> serializer = AvroSerdes.forConfig(config.kafka()).serde(Question.class).serializer();
    Map<String, Long> sentAt = new HashMap<>();
    List<Long> latencies = new ArrayList<>();
    long start = System.nanoTime();
    String topic = config.topics().questions();
    TraceSubscription.Handler collect = new TraceSubscription.Handler() {
      @Override
      public void onStep(ReasoningStep step) {}

      @Override
      public void onAnswer(Answer answer) {
        Long sent = sentAt.remove(answer.getQuestionId());
        if (sent != null) {
          latencies.add(System.nanoTime() - sent);
        }
      }
    };
    // Answers are read between the turns, so each is timed when it becomes readable.
    int next = 0;
    while (next < questions.size() || !sentAt.isEmpty()) {
      checkDeadline(start, timeout, latencies.size(), questions.size());
      for (; next < questions.size() && System.nanoTime() >= start + next * interval.toNanos(); next++) {
        Question q = questions.get(next);
        Question stamped = Question.newBuilder(q).setSubmittedAt(Instant.now()).build();
        sentAt.put(q.getId(), System.nanoTime());
        producer.send(new ProducerRecord<>(topic, q.getId().getBytes(StandardCharsets.UTF_8),
            serializer.serialize(topic, stamped)));
      }
      producer.flush();
      long untilNext = next < questions.size() ? start + next * interval.toNanos() - System.nanoTime() : Long.MAX_VALUE;
      subscription.poll(Duration.ofNanos(Math.max(POLL_MIN.toNanos(), Math.min(POLL_MAX.toNanos(), untilNext))),
          collect);
    }
    return latencies;
  }

  /** Waits until a question's turn (a {@link System#nanoTime()}), if it has not come yet. */
  private static void pace(long turn) throws InterruptedException {
    long wait = turn - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
  }

  private static void checkDeadline(long start, Duration timeout, int done, int all) {
    if (System.nanoTime() - start > timeout.toNanos()) {
      throw new IllegalStateException(done + " of " + all + " questions answered within " + timeout.toSeconds()
          + " s: raise --timeout-s or lower --questions");
    }
  }

  private static Result result(String mode, String broker, List<Long> latenciesNanos, long elapsedNanos,
                               Map<String, Object> cost) {
    List<Long> sorted = latenciesNanos.stream().sorted().toList();
    double seconds = elapsedNanos / 1e9;
    return new Result(mode, broker, sorted.size(), seconds, sorted.size() / seconds, percentileMs(sorted, 0.50),
        percentileMs(sorted, 0.99), cost);
  }

  /** Nearest-rank percentile. */
  private static long percentileMs(List<Long> sortedNanos, double p) {
    int rank = (int) Math.ceil(p * sortedNanos.size());
    return TimeUnit.NANOSECONDS.toMillis(sortedNanos.get(Math.max(0, rank - 1)));
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
