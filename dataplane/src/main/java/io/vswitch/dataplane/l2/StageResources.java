package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.conntrack.ConntrackTable;
import java.lang.foreign.MemorySegment;

/**
 * What a worker's stages are made with: the worker's index (its transmit queue and its stripe of
 * shared counters), the shared FDB, the mbuf pool flood copies come from, the TSC frequency, and
 * the worker's ACL classifier (one flow cache that both ACL stages use), and the shared conntrack
 * table (null when the switch does not track connections), and the worker's flow cache for IPFIX
 * (null when the switch exports no flows), and the worker's cache of L2 decisions.
 */
public record StageResources(
    int worker,
    Fdb fdb,
    MemorySegment pool,
    long hz,
    AclClassifier acls,
    ConntrackTable conntrack,
    io.vswitch.dataplane.flow.FlowCache flows,
    L2FlowCache l2Flows) {

  public StageResources(int worker, Fdb fdb, MemorySegment pool, long hz) {
    this(worker, fdb, pool, hz, new AclClassifier(worker), null, null, new L2FlowCache());
  }

  public StageResources(
      int worker, Fdb fdb, MemorySegment pool, long hz, ConntrackTable conntrack) {
    this(worker, fdb, pool, hz, new AclClassifier(worker), conntrack, null, new L2FlowCache());
  }

  public StageResources(
      int worker,
      Fdb fdb,
      MemorySegment pool,
      long hz,
      ConntrackTable conntrack,
      io.vswitch.dataplane.flow.FlowCache flows) {
    this(worker, fdb, pool, hz, new AclClassifier(worker), conntrack, flows, new L2FlowCache());
  }
}
