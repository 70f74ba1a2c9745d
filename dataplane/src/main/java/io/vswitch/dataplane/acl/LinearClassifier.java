package io.vswitch.dataplane.acl;

import java.util.List;

/**
 * The reference classifier: every rule in priority order, first match wins. Obviously correct and
 * linear in the rules; the differential test holds {@link AclTree} to it, and the benchmark shows
 * what the tree saves.
 */
public final class LinearClassifier {
  private final AclRule[] rules;

  public LinearClassifier(List<AclRule> rules) {
    this.rules = rules.toArray(AclRule[]::new);
  }

  /** The index of the first rule matching the key at {@code base}, or -1. */
  public int classify(long[] keys, int base, int tcpFlags) {
    for (int r = 0; r < rules.length; r++) {
      if (rules[r].matches(keys, base, tcpFlags)) {
        return r;
      }
    }
    return -1;
  }
}
