package io.memreason.llm.generate;

/**
 * Counters of a generator since it started, summed over its workers.
 *
 * @param prefillNanos time workers spent in prefill passes (summed: concurrent workers add up)
 * @param decodeNanos time workers spent in decode steps, token choice included
 * @param prefillCpuNanos CPU time of the worker threads in prefill passes: unlike wall time, barely affected by
 *     other processes competing for the cores
 * @param decodeCpuNanos CPU time of the worker threads in decode steps
 * @param liveArrays native arrays held by the model and by the workers after their latest step (weights and KV
 *     caches): constant while nothing leaks
 */
public record GeneratorStats(long prefillTokens, long prefillNanos, long prefillCpuNanos, long decodeTokens,
                             long decodeNanos, long decodeCpuNanos, long decodeSteps, long finished, long failed,
                             int liveArrays) {}
