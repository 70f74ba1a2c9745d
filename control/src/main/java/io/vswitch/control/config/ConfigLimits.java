package io.vswitch.control.config;

/**
 * The sizes a config may have, in one place: the loader, the validator and the API's body cap all
 * read them, so that what a file may hold and what a request may carry are the same.
 */
public final class ConfigLimits {
  /**
   * Largest config text, file or request body: a 1,024-port config with ACLs is ~300 KiB, and
   * SnakeYAML is quadratic in a scalar's length (20 MB took 270 s), so the cap comes before
   * parsing.
   */
  public static final int MAX_CONFIG_BYTES = 4 << 20;

  /**
   * Most ports a switch may have, counted before EAL starts: DPDK 22.11 as Debian builds it has
   * RTE_MAX_ETHPORTS 32 (rte_build_config.h), and each port is one ethdev. The L2 tables have room
   * for more ({@code SwitchLauncher.L2_PORT_CAPACITY}), so this is the one limit that binds.
   */
  public static final int MAX_PORTS = 32;

  /** Deepest nesting of maps and lists; the deepest real key (a policer's field) is at 5. */
  public static final int MAX_NESTING = 16;

  /** Longest name of a port, port group or ACL; see {@link Names}. */
  public static final int MAX_NAME_LENGTH = 32;

  /**
   * Most connections the conntrack table may hold: 16M entries are 2 GiB of entries plus 512 MiB of
   * index, which is what a host gives a switch at most.
   */
  public static final int MAX_CONNECTIONS = 1 << 24;

  /** Most addresses (prefixes) and tags a port may carry. */
  public static final int MAX_PORT_ADDRESSES = 16;

  public static final int MAX_PORT_TAGS = 16;

  /** Most security groups, and how deep groups may nest in groups. */
  public static final int MAX_SECURITY_GROUPS = 256;

  /**
   * Most data-plane rules one group rule may compile to (one per source x destination prefix of a
   * family), and one ACL in all: 32 ports x 16 addresses on each side would be 262,144, which no
   * policy means and which would take the classifier's build seconds. The ACL tree classifies the
   * bench's 10,000 rules at the rate of 300 (README, Performance).
   */
  public static final int MAX_GROUP_RULE_EXPANSION = 4096;

  public static final int MAX_ACL_RULES = 16384;

  private ConfigLimits() {}
}
