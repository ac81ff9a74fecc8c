package io.memreason.web;

import io.memreason.config.MemreasonConfig;
import java.time.Clock;

/**
 * The live page's side of Kafka, run by {@code serve} and {@code demo} next to the pipeline: follows the topics into
 * {@link LiveTraces} and produces the questions and feedback that the page and the API submit.
 */
public final class TraceMonitor implements AutoCloseable {
  final MemreasonConfig config;
  final LiveTraces live;
  final Submissions submissions;
  final Clock clock;
  private final Runnable stopFollowing;

  /** @param stopFollowing stops whatever feeds {@code live} */
  TraceMonitor(MemreasonConfig config, LiveTraces live, Submissions submissions, Clock clock, Runnable stopFollowing) {
    this.config = config;
    this.live = live;
    this.submissions = submissions;
    this.clock = clock;
    this.stopFollowing = stopFollowing;
  }

  /** Starts following the topics from now (the feedback statistics from their beginning); see {@link TopicFollower}. */
  public static TraceMonitor start(MemreasonConfig config) {
    Clock clock = Clock.systemUTC();
    LiveTraces live = new LiveTraces(config.web().recentQuestions(), clock);
    Submissions submissions = Submissions.create(config);
    try {
      TopicFollower follower = TopicFollower.start(config, live);
      return new TraceMonitor(config, live, submissions, clock, follower::close);
    } catch (RuntimeException e) {
      submissions.close();
      throw e;
    }
  }

  /** Stops following and flushes what was submitted. */
  @Override
  public void close() {
    stopFollowing.run();
    submissions.close();
  }
}
