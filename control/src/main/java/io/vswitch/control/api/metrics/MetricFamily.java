package io.vswitch.control.api.metrics;

import java.util.List;

/**
 * Every metric family /metrics exports, with its type, labels and help: one list that makes both
 * the exposition and what the dashboard test checks the dashboard's queries against, so a family
 * cannot be exported without being declared here (and a declared one the daemon never renders fails
 * the Prometheus integration test).
 *
 * <p>Names follow the Prometheus conventions (https://prometheus.io/docs/practices/naming/): the
 * {@code vswitch_} prefix, base units (seconds, bytes) in the name, {@code _total} on counters, and
 * what varies (port, direction, reason, worker) as a label, not in the name. Every label's values
 * are bounded by the config (ports, workers) or by the code (reasons, directions, status codes).
 */
public enum MetricFamily {
  PORT_PACKETS(
      "vswitch_port_packets_total",
      Type.COUNTER,
      "Packets the switch received on (direction rx) or sent on (tx) a port.",
      "port",
      "direction"),
  PORT_BYTES(
      "vswitch_port_bytes_total",
      Type.COUNTER,
      "Bytes the switch received on (direction rx) or sent on (tx) a port, Ethernet header"
          + " included, FCS excluded.",
      "port",
      "direction"),
  PORT_DELIVERED(
      "vswitch_port_delivered_packets_total",
      Type.COUNTER,
      "Packets sent on a port by how they were forwarded: unicast to a learned MAC, a copy of a"
          + " flood (broadcast, multicast, unknown unicast), or a port mirror's copy (mirror).",
      "port",
      "delivery"),
  PORT_DROPPED(
      "vswitch_port_dropped_packets_total",
      Type.COUNTER,
      "Packets dropped, by port and reason (on the ingress port unless the reason is an egress"
          + " one: tx_queue_full, shaper_queue_full, tx_mtu_exceeded).",
      "port",
      "reason"),
  PORT_DEVICE_PACKETS(
      "vswitch_port_device_packets_total",
      Type.COUNTER,
      "Packets as the port's device (DPDK ethdev) counted them.",
      "port",
      "direction"),
  PORT_DEVICE_ERRORS(
      "vswitch_port_device_errors_total",
      Type.COUNTER,
      "Erroneous packets the port's device counted (ierrors, oerrors).",
      "port",
      "direction"),
  PORT_DEVICE_RX_MISSED(
      "vswitch_port_device_rx_missed_packets_total",
      Type.COUNTER,
      "Packets the device dropped because its receive ring was full (imissed): the switch did not"
          + " poll fast enough.",
      "port"),
  PORT_DEVICE_RX_NO_MBUF(
      "vswitch_port_device_rx_mbuf_failures_total",
      Type.COUNTER,
      "Receive buffer allocations that failed in the device (rx_nombuf): the mbuf pool ran dry.",
      "port"),
  PORT_LINK_UP(
      "vswitch_port_link_up",
      Type.GAUGE,
      "1 when the port's link is up, 0 when down (DPDK ports only).",
      "port"),
  TEAM_MEMBER_UP(
      "vswitch_team_member_up",
      Type.GAUGE,
      "1 when an uplink team's member is healthy (link, and probe replies with detection arp).",
      "team",
      "member"),
  TEAM_MEMBER_CARRYING(
      "vswitch_team_member_carrying",
      Type.GAUGE,
      "1 when an uplink team's member carries traffic now (its selection has it).",
      "team",
      "member"),
  TEAM_FAILOVERS(
      "vswitch_team_failovers_total",
      Type.COUNTER,
      "Times an uplink team moved traffic off a member that went down.",
      "team"),
  TEAM_FAILBACKS(
      "vswitch_team_failbacks_total",
      Type.COUNTER,
      "Times an uplink team moved traffic back to a preferred member that recovered.",
      "team"),
  TEAM_LACPDUS_RX(
      "vswitch_team_lacpdus_received_total",
      Type.COUNTER,
      "Slow-protocol frames (LACPDUs) received on a LACP team's member, malformed ones included.",
      "team",
      "member"),
  TEAM_LACPDUS_TX(
      "vswitch_team_lacpdus_sent_total",
      Type.COUNTER,
      "LACPDUs sent out of a LACP team's member.",
      "team",
      "member"),
  TEAM_LACPDUS_BAD(
      "vswitch_team_lacpdus_bad_total",
      Type.COUNTER,
      "Frames dropped by a LACP team's member: malformed LACPDUs (length, subtype, version, TLVs),"
          + " other slow protocols, and our own LACPDUs looped back.",
      "team",
      "member",
      "reason"),
  TEAM_LACP_MEMBER_STATE(
      "vswitch_team_lacp_member_state",
      Type.GAUGE,
      "A LACP member's mux state: 0 detached, 1 waiting, 2 attached, 3 collecting_distributing.",
      "team",
      "member"),
  TEAM_LACP_PARTNER_STATE(
      "vswitch_team_lacp_partner_state",
      Type.GAUGE,
      "The state octet (IEEE 802.1AX 6.4.2.3) of a LACP member's partner, as last received.",
      "team",
      "member"),
  FDB_ENTRIES(
      "vswitch_fdb_entries",
      Type.GAUGE,
      "Live entries in the forwarding database, static included."),
  FDB_MAX_ENTRIES(
      "vswitch_fdb_max_entries",
      Type.GAUGE,
      "Entries the forwarding database holds at most (fdb.capacity)."),
  FDB_LEARNED(
      "vswitch_fdb_learned_entries",
      Type.GAUGE,
      "Learned (not static) forwarding database entries on a port, as the mac-limit counts them.",
      "port"),
  FDB_LEARN_REFUSALS(
      "vswitch_fdb_learn_refusals_total",
      Type.COUNTER,
      "Source MACs not learned because the port reached its mac-limit or the table its capacity;"
          + " the frames were still forwarded.",
      "port"),
  FDB_EVICTIONS(
      "vswitch_fdb_evictions_total",
      Type.COUNTER,
      "Learned entries replaced by a new MAC while the table was full."),
  L2_FLOW_CACHE_LOOKUPS(
      "vswitch_l2_flow_cache_lookups_total",
      Type.COUNTER,
      "Frames received on a port that looked their L2 decision up in the worker's flow cache, by"
          + " result (hit: learn, forward and replicate skipped; miss: the full path).",
      "port",
      "result"),
  FDB_AGED_OUT(
      "vswitch_fdb_aged_out_total",
      Type.COUNTER,
      "Learned entries removed because they were not seen for fdb.aging-seconds."),
  WORKER_BUSY(
      "vswitch_worker_busy_ratio",
      Type.GAUGE,
      "Share of a worker's poll passes since start that found work (1 at saturation).",
      "worker"),
  WORKER_STALL(
      "vswitch_worker_stall_seconds",
      Type.HISTOGRAM,
      "Gaps between two poll passes of a worker (idle sleeps excluded).",
      "worker"),
  WORKER_MAX_STALL(
      "vswitch_worker_max_stall_seconds",
      Type.GAUGE,
      "Longest gap between two poll passes of a worker since start (idle sleeps excluded).",
      "worker"),
  BURST_LATENCY(
      "vswitch_burst_latency_seconds",
      Type.HISTOGRAM,
      "Time of a worker's poll passes that moved packets: their bursts, from rx to tx.",
      "worker"),
  API_RESPONSES(
      "vswitch_api_responses_total",
      Type.COUNTER,
      "HTTP responses of the API and metrics listeners, by listener and status code (the"
          + " transport's own 408, 413, 431, 503 included).",
      "listener",
      "code"),
  API_CONNECTIONS(
      "vswitch_api_connections", Type.GAUGE, "Connections a listener serves now.", "listener"),
  API_MAX_CONNECTIONS(
      "vswitch_api_max_connections",
      Type.GAUGE,
      "Connections a listener serves at once at most; more are answered 503.",
      "listener"),
  CONTROL_QUEUED(
      "vswitch_control_queued_tasks",
      Type.GAUGE,
      "Requests waiting for the control agent, the one thread that carries out changes."),
  CONTROL_REJECTED(
      "vswitch_control_rejected_tasks_total",
      Type.COUNTER,
      "Requests refused because the control agent's queue was full (answered 503)."),
  CONTROL_DUTY_FAILURES(
      "vswitch_control_duty_failures_total",
      Type.COUNTER,
      "Failed runs of a periodic control duty (fdb aging, link watch).",
      "duty"),
  IPFIX_EXPORTED(
      "vswitch_ipfix_exported_records_total",
      Type.COUNTER,
      "IPFIX flow records put in messages to the collectors (0 without an ipfix section)."),
  IPFIX_DROPPED(
      "vswitch_ipfix_dropped_records_total",
      Type.COUNTER,
      "IPFIX flow records lost: a worker's flow cache bucket was full while its ring to the"
          + " exporter was full too (the packets were forwarded; only their accounting is lost)."),
  IPFIX_MESSAGES(
      "vswitch_ipfix_sent_messages_total",
      Type.COUNTER,
      "IPFIX messages sent, over all collectors (template-only messages included)."),
  IPFIX_SEND_ERRORS(
      "vswitch_ipfix_send_errors_total",
      Type.COUNTER,
      "IPFIX messages a collector did not get: a socket error or a full socket buffer."),
  CONFIG_SEQUENCE(
      "vswitch_config_sequence",
      Type.GAUGE,
      "Journal sequence number of the running config's last accepted change."),
  CONFIG_LAST_CHANGE(
      "vswitch_config_last_change_timestamp_seconds",
      Type.GAUGE,
      "When the running config's last change was accepted, in seconds since the epoch."),
  JOURNAL_SIZE(
      "vswitch_journal_size_bytes", Type.GAUGE, "Bytes of intact records in the change journal."),
  JOURNAL_FAILED(
      "vswitch_journal_failed",
      Type.GAUGE,
      "1 when a journal write failed and further changes are refused until a restart, else 0."),
  ACL_RULE_HITS(
      "vswitch_acl_rule_hits_total",
      Type.COUNTER,
      "Packets an ACL rule decided, by ACL and rule priority (default: the ACL's default action);"
          + " a security-group rule's compiled rules summed.",
      "acl",
      "priority"),
  CONNTRACK_CONNECTIONS(
      "vswitch_conntrack_connections",
      Type.GAUGE,
      "Live tracked connections by zone (VLAN) and state (TCP state, or UNREPLIED/REPLIED for UDP"
          + " and ICMP).",
      "zone",
      "state"),
  CONNTRACK_MAX_CONNECTIONS(
      "vswitch_conntrack_max_connections",
      Type.GAUGE,
      "Connections the table holds at most (conntrack.capacity)."),
  CONNTRACK_NEW(
      "vswitch_conntrack_new_connections_total",
      Type.COUNTER,
      "Connections created (first packets an ACL allowed and the table took)."),
  ETCD_CONNECTED(
      "vswitch_etcd_connected",
      Type.GAUGE,
      "1 while this host of a distributed switch reaches etcd, 0 while it does not (it forwards on"
          + " its last applied config); always 0 on a switch without --etcd."),
  ETCD_CONFIG_REVISION(
      "vswitch_etcd_config_revision",
      Type.GAUGE,
      "etcd revision of the distributed switch's shared config this host runs (0: none)."),
  ETCD_REFUSED(
      "vswitch_etcd_refused_revisions_total",
      Type.COUNTER,
      "Revisions of the shared config this host refused (invalid here); it kept its last good"
          + " one."),
  VMOTION_ANNOUNCEMENTS(
      "vswitch_vmotion_announcements_total",
      Type.COUNTER,
      "Ports announced as they appeared (a VM arriving by vMotion, a live add-port): each is a"
          + " RARP burst for the VM's MAC out of its VLAN's flood domain."),
  VMOTION_RARP_FRAMES(
      "vswitch_vmotion_rarp_frames_total",
      Type.COUNTER,
      "RARP frames those announcements queued (ports times the 0/100/300/1000 ms schedule)."),
  VMOTION_FDB_CLEANUPS(
      "vswitch_vmotion_fdb_cleanups_total",
      Type.COUNTER,
      "Learned FDB entries this host removed because another host's etcd record started listing"
          + " their MAC (the VM moved there)."),
  VMOTION_DUPLICATE_MACS(
      "vswitch_vmotion_duplicate_macs_total",
      Type.COUNTER,
      "Times a MAC another host listed was configured on a port of this host too (not removed"
          + " here, or two VMs share it)."),
  VMOTION_CT_EXPORTED(
      "vswitch_vmotion_conntrack_exported_total",
      Type.COUNTER,
      "Connections of VMs that left this host written to etcd for their new host."),
  VMOTION_CT_IMPORTED(
      "vswitch_vmotion_conntrack_imported_total",
      Type.COUNTER,
      "Connections of VMs that arrived on this host put into its connection table."),
  VMOTION_CT_REFUSED(
      "vswitch_vmotion_conntrack_refused_total",
      Type.COUNTER,
      "Connections of arrived VMs' records not imported, by reason: identity (no end in the"
          + " port's addresses), expired, invalid (a state the table cannot hold), limit (table"
          + " room, embryonic budget, zone or port limit).",
      "reason"),
  VMOTION_CT_RECORDS_REFUSED(
      "vswitch_vmotion_conntrack_records_refused_total",
      Type.COUNTER,
      "Connection records refused whole: too big, malformed, for another MAC, past their TTL, or"
          + " under no live lease.");

  /** The Prometheus metric types the switch uses. */
  public enum Type {
    COUNTER,
    GAUGE,
    HISTOGRAM;

    String text() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final String metric;
  private final Type type;
  private final String help;
  private final List<String> labels;

  MetricFamily(String metric, Type type, String help, String... labels) {
    this.metric = metric;
    this.type = type;
    this.help = help;
    this.labels = List.of(labels);
  }

  /** The name on the HELP and TYPE lines (a counter's with its {@code _total}). */
  public String metric() {
    return metric;
  }

  public Type type() {
    return type;
  }

  public String help() {
    return help;
  }

  /** The labels every sample carries, in order (a histogram's {@code le} comes on top). */
  public List<String> labels() {
    return labels;
  }

  /** The names of the series this family puts in the exposition. */
  public List<String> seriesNames() {
    return type == Type.HISTOGRAM
        ? List.of(metric + "_bucket", metric + "_sum", metric + "_count")
        : List.of(metric);
  }
}
