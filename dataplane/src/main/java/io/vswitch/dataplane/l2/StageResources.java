package io.vswitch.dataplane.l2;

import java.lang.foreign.MemorySegment;

/**
 * What a worker's stages are made with: the worker's index (its transmit queue and its stripe of
 * shared counters), the shared FDB, the mbuf pool flood copies come from, the TSC frequency, and
 * the worker's ACL classifier (one flow cache that both ACL stages use).
 */
public record StageResources(int worker, Fdb fdb, MemorySegment pool, long hz, AclClassifier acls) {

  public StageResources(int worker, Fdb fdb, MemorySegment pool, long hz) {
    this(worker, fdb, pool, hz, new AclClassifier(worker));
  }
}
