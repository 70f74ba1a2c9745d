package io.vswitch.perf.jmh;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * JMH's scores are wall time; on a machine shared with other work the benchmark thread is off the
 * CPU for part of every iteration and the score grows with the neighbours' load. This profiler
 * (scripts/jmh.sh ... -prof io.vswitch.perf.jmh.OnCpuProfiler) reports, per iteration, the fork's
 * CPU time over its wall time and the score scaled by it: "oncpu.score" is what the benchmark costs
 * while it runs. The fork's CPU time includes its JIT and GC threads, which after the warm-up of an
 * allocation-free benchmark are nearly idle, so the scaled score errs high, never low. It cannot
 * undo what the neighbours do to the caches while it runs.
 */
public final class OnCpuProfiler implements InternalProfiler {
  private long cpu0;
  private long wall0;

  @Override
  public String getDescription() {
    return "score scaled by the fork's CPU share (CPU time / wall time) per iteration";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmark, IterationParams iteration) {
    cpu0 = processCpuNanos();
    wall0 = System.nanoTime();
  }

  @Override
  @SuppressWarnings("rawtypes") // JMH's InternalProfiler declares the raw type
  public Collection<? extends Result> afterIteration(
      BenchmarkParams benchmark, IterationParams iteration, IterationResult result) {
    long wall = System.nanoTime() - wall0;
    long cpu = processCpuNanos() - cpu0;
    double share = Math.min(1.0, (double) cpu / ((double) wall * benchmark.getThreads()));
    double score = result.getPrimaryResult().getScore();
    String unit = result.getPrimaryResult().getScoreUnit();
    return List.of(
        new ScalarResult("oncpu.share", share, "", AggregationPolicy.AVG),
        new ScalarResult("oncpu.score", score * share, unit, AggregationPolicy.AVG));
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
