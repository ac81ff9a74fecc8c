package io.memreason.llm.generate;

/**
 * Counters of a generator since it started, summed over its workers.
 *
 * @param prefillNanos time workers spent in prefill passes (summed: concurrent workers add up)
 * @param decodeNanos time workers spent in decode steps, token choice included
 * @param liveArrays native arrays the workers held after their latest step (KV caches included): flat while
 *     nothing leaks
 */
public record GeneratorStats(long prefillTokens, long prefillNanos, long decodeTokens, long decodeNanos,
                             long decodeSteps, long finished, long failed, int liveArrays) {}
