package io.memreason.failover;

import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.serde.AvroSerdes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One case of the failover benchmark on one build of memreason: two {@code serve} instances in one group answer
 * questions offered at a steady rate; part-way, one of them goes away as the case says; every answer is timed as a
 * read_committed reader sees it.
 */
final class FailoverRun {
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);
  private static final Duration POLL = Duration.ofMillis(20);
  private static final Duration DUPLICATE_WATCH = Duration.ofSeconds(3);
  private static final Duration EXIT_WAIT = Duration.ofSeconds(120);
  private static final Pattern DRAINED = Pattern.compile("drain(ed|ing)[^\\n]*");

  private final FailoverBenchmark.Settings settings;
  private final String code;
  private final String classPath;
  private final FailoverCase failoverCase;
  private final String bootstrap;
  private final String app;
  private final Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  /** An instance's process and the port of its /health. */
  private record Instance(MemreasonProcess process, int webPort) {}

  private final Map<String, Instance> running = new ConcurrentHashMap<>();
  private final List<MemreasonProcess> stopped = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<String, Integer> partitionOf = new ConcurrentHashMap<>();
  private final Map<String, Long> producedAt = new HashMap<>();

  // What the incident did, written by its thread and read after it was joined.
  private volatile long signalledAt;
  private volatile Set<Integer> victimPartitions = Set.of();
  private volatile MemreasonProcess victim;

  FailoverRun(FailoverBenchmark.Settings settings, String code, String classPath, FailoverCase failoverCase,
              String bootstrap) {
    this.settings = settings;
    this.code = code;
    this.classPath = classPath;
    this.failoverCase = failoverCase;
    this.bootstrap = bootstrap;
    this.app = "fo-" + code + "-" + failoverCase.id() + "-" + UUID.randomUUID().toString().substring(0, 6);
    this.dir = settings.workDir().resolve(app);
  }

  /**
   * Runs the case: after the warm-up questions (one answered at a time would not warm both instances up, so all at
   * once), questions cycling through {@code samples} are offered at the configured rate, at least
   * {@code minQuestions} of them and for {@link FailoverBenchmark.Settings#afterSignal()} after the incident.
   */
  FailoverResult run(List<Question> warmup, List<Question> samples, int minQuestions) throws Exception {
    MemreasonConfig config = MemreasonConfig.defaults().with(clientSettings());
    TopicCreator.createMissing(config);
    try (Admin admin = Admin.create(ClientProperties.admin(config));
         AnswerTimes times = new AnswerTimes(config);
         KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ClientProperties.producer(config))) {
      start("a", "a");
      start("b", "b");
      awaitReady("a");
      awaitReady("b");
      GroupOwners owners = new GroupOwners(admin, app, config.topics().questions(),
          List.of(clientId("a"), clientId("b"), clientId("c")));
      awaitBalanced(owners, 2);
      Offer offer = new Offer(config, producer, times);
      warmup.forEach(offer::produce);
      offer.awaitAnswers(warmup.stream().map(Question::getId).toList(), READY_TIMEOUT);
      List<Question> measured = offer.measured(samples, minQuestions, new Thread(() -> incident(owners),
          "failover-incident"));
      long watchUntil = System.nanoTime() + DUPLICATE_WATCH.toNanos();
      while (System.nanoTime() < watchUntil) {
        times.poll(POLL);
      }
      FailoverResult result = result(measured, times);
      writeTimeline(measured, times);
      return result;
    } finally {
      stopAll();
    }
  }

  /** Produces questions and reads their answers. */
  private final class Offer {
    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Serializer<Question> serializer;
    private final AnswerTimes times;

    Offer(MemreasonConfig config, KafkaProducer<byte[], byte[]> producer, AnswerTimes times) {
      this.topic = config.topics().questions();
      this.producer = producer;
      this.serializer = AvroSerdes.forConfig(config.kafka()).serde(Question.class).serializer();
      this.times = times;
    }

    void produce(Question question) {
      Question q = Question.newBuilder(question).setSubmittedAt(Instant.now()).build();
      String id = q.getId();
      producedAt.put(id, System.nanoTime());
      producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), serializer.serialize(topic, q)),
          (metadata, e) -> {
            if (metadata != null) {
              partitionOf.put(id, metadata.partition());
            }
          });
    }

    void awaitAnswers(List<String> ids, Duration timeout) {
      producer.flush();
      long deadline = System.nanoTime() + timeout.toNanos();
      List<String> unanswered = new ArrayList<>(ids);
      while (!unanswered.isEmpty() && System.nanoTime() < deadline) {
        times.poll(POLL);
        unanswered.removeIf(times::answered);
      }
      if (!unanswered.isEmpty()) {
        throw new IllegalStateException(unanswered.size() + " warm-up questions of " + code + " not answered: see "
            + dir);
      }
    }

    /**
     * Offers questions at the rate, starts the incident at the kill point, and reads answers until every question
     * offered is answered or the answer timeout has passed since the last one was offered (the rest is lost).
     */
    List<Question> measured(List<Question> samples, int minQuestions, Thread incident) throws InterruptedException {
      long interval = (long) (1e9 / settings.rate());
      long killAt = System.nanoTime() + settings.killAfter().toNanos();
      List<Question> offered = new ArrayList<>();
      List<String> unanswered = new ArrayList<>();
      long start = System.nanoTime();
      long lastOffered = start;
      boolean offering = true;
      while (offering || !unanswered.isEmpty()) {
        long now = System.nanoTime();
        for (; offering && now >= start + offered.size() * interval; now = System.nanoTime()) {
          Question sample = samples.get(offered.size() % samples.size());
          Question q = Question.newBuilder(sample).setId("q-" + offered.size()).build();
          produce(q);
          offered.add(q);
          unanswered.add(q.getId());
          lastOffered = now;
          offering = offered.size() < minQuestions || incident.isAlive() || signalledAt == 0
              || now < signalledAt + settings.afterSignal().toNanos();
        }
        if (incident.getState() == Thread.State.NEW && now >= killAt) {
          producer.flush();
          incident.start();
        }
        producer.flush();
        times.poll(POLL);
        unanswered.removeIf(times::answered);
        if (!offering && System.nanoTime() - lastOffered > settings.answerTimeout().toNanos()) {
          break;
        }
      }
      incident.join();
      return offered;
    }
  }

  /**
   * One line per question, in ms from the first one offered: its partition, when it was offered, when the pipeline
   * wrote its answer (its clock; the same machine's) and when the answer was read, for a closer look.
   */
  private void writeTimeline(List<Question> questions, AnswerTimes times) {
    long origin = producedAt.get(questions.get(0).getId());
    long originEpochMs = System.currentTimeMillis() - (System.nanoTime() - origin) / 1_000_000;
    StringBuilder csv = new StringBuilder("question,partition,offered_ms,written_ms,read_ms,signal_ms\n");
    for (Question q : questions) {
      String id = q.getId();
      csv.append(id).append(',').append(partitionOf.getOrDefault(id, -1)).append(',')
          .append((producedAt.get(id) - origin) / 1_000_000).append(',')
          .append(times.writtenAt(id).map(t -> Long.toString(t - originEpochMs)).orElse("")).append(',')
          .append(times.answeredAt(id).map(t -> Long.toString((t - origin) / 1_000_000)).orElse("")).append(',')
          .append(signalledAt == 0 ? "" : Long.toString((signalledAt - origin) / 1_000_000)).append('\n');
    }
    try {
      java.nio.file.Files.createDirectories(dir);
      java.nio.file.Files.writeString(dir.resolve("timeline.csv"), csv);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot write the timeline into " + dir, e);
    }
  }

  /** What happens to instance a, as the case says. */
  private void incident(GroupOwners owners) {
    try {
      MemreasonProcess a = running.get("a").process();
      victim = a;
      if (failoverCase == FailoverCase.SIGTERM_REBALANCE) {
        victimPartitions = owners.snapshot().of(clientId("a"));
        start("c", "c");
        // Once the third instance has joined, the group rebalances: the signal comes in the middle of it.
        while (owners.snapshot().state() == GroupState.STABLE) {
          Thread.sleep(20);
        }
        signal(a);
        return;
      }
      victimPartitions = owners.snapshot().of(clientId("a"));
      signal(a);
      if (failoverCase == FailoverCase.KILL_RESTART || failoverCase == FailoverCase.KILL_REPLACE) {
        a.awaitExit(Duration.ofSeconds(10));
        Thread.sleep(settings.restartAfter().toMillis());
        // The same instance on its state directory, or a new one with an empty directory under the same name (the
        // StatefulSet pod that comes back without its volume).
        start("a", failoverCase == FailoverCase.KILL_RESTART ? "a" : "a-replacement");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void signal(MemreasonProcess process) {
    signalledAt = System.nanoTime();
    if (failoverCase.killed()) {
      process.kill();
    } else {
      process.terminate();
    }
  }

  private FailoverResult result(List<Question> questions, AnswerTimes times) throws InterruptedException {
    Optional<Integer> exitCode = Optional.empty();
    Optional<Duration> exitAfter = Optional.empty();
    String drain = null;
    if (!failoverCase.killed() && victim != null) {
      exitCode = victim.awaitExit(EXIT_WAIT);
      exitAfter = victim.exitAfterSignal();
      drain = victim.lines().stream().filter(l -> DRAINED.matcher(l).find()).reduce((x, y) -> x + " | " + y)
          .orElse(null);
    }
    List<Long> affected = new ArrayList<>();
    List<Long> others = new ArrayList<>();
    long firstAfterKill = Long.MAX_VALUE;
    int lost = 0;
    for (Question q : questions) {
      String id = q.getId();
      Optional<Long> answered = times.answeredAt(id);
      long produced = producedAt.get(id);
      boolean onVictim = victimPartitions.contains(partitionOf.getOrDefault(id, -1));
      if (answered.isEmpty()) {
        lost++;
        continue;
      }
      long at = answered.get();
      if (onVictim && at >= signalledAt) {
        affected.add(at - Math.max(signalledAt, produced));
        firstAfterKill = Math.min(firstAfterKill, at - signalledAt);
      } else {
        others.add(at - produced);
      }
    }
    return new FailoverResult(code, failoverCase, settings.partitions(), questions.size(), settings.rate(),
        victimPartitions, lost, times.duplicatedAnswers(), times.duplicatedSteps(),
        firstAfterKill == Long.MAX_VALUE ? null : firstAfterKill / 1_000_000, FailoverResult.Spread.ofNanos(affected),
        FailoverResult.Spread.ofNanos(others), exitCode.orElse(null), exitAfter.map(Duration::toMillis).orElse(null),
        drain, dir.toString());
  }

  /** Starts {@code serve} as instance {@code name} on the state directory {@code stateName}. */
  private void start(String name, String stateName) {
    List<String> args = new ArrayList<>(List.of("serve"));
    Map<String, String> s = new LinkedHashMap<>(clientSettings());
    s.put("streams.client.id", clientId(name));
    s.put("streams.state.dir", dir.resolve("state-" + stateName).toString());
    s.put("feedback.application-id", app + "-feedback");
    s.put("topics.create", "false");
    s.put("web.host", "127.0.0.1");
    int webPort = EmbeddedKafka.freePort();
    s.put("web.port", Integer.toString(webPort));
    s.put("web.auth", "none");
    s.put("engine.workers", "1");
    if (settings.staticMembership()) {
      s.put("streams.group.instance.id", clientId(name));
    }
    s.putAll(settings.serveSettings());
    s.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    MemreasonProcess p = MemreasonProcess.start(name, classPath, settings.jvmOptions(), args,
        dir.resolve(name + "-" + stateName + "-" + (stopped.size() + running.size()) + ".log"));
    Instance earlier = running.put(name, new Instance(p, webPort));
    if (earlier != null) {
      stopped.add(earlier.process());
    }
  }

  /** Waits until the instance's pipeline processes records ({@code /health/ready}). */
  private void awaitReady(String name) throws InterruptedException {
    Instance instance = running.get(name);
    MemreasonProcess p = instance.process();
    URI ready = URI.create("http://127.0.0.1:" + instance.webPort() + "/health/ready");
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (!p.alive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("instance " + name + " of " + code + " did not become ready: see " + p.log());
      }
      Thread.sleep(200);
    }
  }

  /** Waits until {@code instances} members share every partition and the group is stable. */
  private void awaitBalanced(GroupOwners owners, int instances) throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      GroupOwners.Snapshot s = owners.snapshot();
      if (s.state() == GroupState.STABLE && s.partitionsByInstance().size() == instances
          && s.assigned() == settings.partitions()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the group " + app + " did not settle on " + instances + " instances: " + s);
      }
      Thread.sleep(200);
    }
  }

  private void stopAll() throws InterruptedException {
    List<Thread> stopping = new ArrayList<>();
    for (Instance instance : running.values()) {
      MemreasonProcess p = instance.process();
      Thread t = new Thread(() -> {
        try {
          p.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      t.join();
    }
  }

  private String clientId(String name) {
    return app + "-" + name;
  }

  /** The connection and this run's topics, for the benchmark's own clients and for every instance. */
  private Map<String, String> clientSettings() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("kafka.bootstrap.servers", bootstrap);
    s.put("streams.application.id", app);
    s.put("topics.partitions", Integer.toString(settings.partitions()));
    for (String topic : List.of("questions", "memory-steps", "reason-steps", "answers", "feedback",
        "training-examples", "model-versions", "dead-letters", "feedback-stats")) {
      s.put("topics." + topic, app + "." + topic);
    }
    return s;
  }
}
