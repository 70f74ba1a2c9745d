package io.vswitch.control.config;

import io.vswitch.dataplane.qos.PolicerSpec;
import io.vswitch.dataplane.qos.ShaperSpec;

/**
 * Turns configured QoS into data-plane specs (rates from bits to bytes per second), checking each
 * value with a one-line message. The validator and the compiler share it.
 */
public final class QosSpecs {
  private QosSpecs() {}

  public static PolicerSpec policer(SwitchConfig.Policer p, String where) {
    String w = where + ": ingress-policer";
    long cir = rate(p.cirBps(), w + ".cir-bps");
    long cbs = burst(p.cbsBytes(), w + ".cbs-bytes");
    int dscp = -1;
    boolean drop;
    switch (p.exceed()) {
      case "drop" -> {
        drop = true;
        require(p.exceedDscp() == null, w + ": exceed-dscp is for exceed: remark");
      }
      case "remark" -> {
        drop = false;
        require(p.exceedDscp() != null, w + ": exceed: remark needs exceed-dscp");
        dscp = dscp(p.exceedDscp(), w + ".exceed-dscp");
      }
      default -> throw new ConfigException(w + ": exceed must be drop or remark");
    }
    return switch (p.type()) {
      case "srtcm" -> {
        require(p.pirBps() == null && p.eirBps() == null, w + ": srtcm has one rate (cir-bps)");
        yield new PolicerSpec(
            PolicerSpec.Type.SRTCM,
            cir,
            cbs,
            0,
            burst0(p.ebsBytes(), w + ".ebs-bytes"),
            drop,
            dscp);
      }
      case "trtcm" -> {
        long pir = rate(p.pirBps(), w + ".pir-bps");
        require(pir >= cir, w + ": pir-bps must be at least cir-bps (RFC 2698)");
        yield new PolicerSpec(
            PolicerSpec.Type.TRTCM,
            cir,
            cbs,
            pir,
            burst(p.pbsBytes(), w + ".pbs-bytes"),
            drop,
            dscp);
      }
      case "trtcm-4115" ->
          new PolicerSpec(
              PolicerSpec.Type.TRTCM_4115,
              cir,
              cbs,
              rate(p.eirBps(), w + ".eir-bps"),
              burst(p.ebsBytes(), w + ".ebs-bytes"),
              drop,
              dscp);
      default ->
          throw new ConfigException(
              w + ": type '" + p.type() + "' is unknown: use srtcm, trtcm or trtcm-4115");
    };
  }

  public static ShaperSpec shaper(SwitchConfig.Shaper s, String where) {
    String w = where + ": egress-shaper";
    long average = rate(s.averageBps(), w + ".average-bps");
    long peak = rate(s.peakBps(), w + ".peak-bps");
    require(peak >= average, w + ": peak-bps must be at least average-bps");
    long burst = burst(s.burstBytes(), w + ".burst-bytes");
    int queue = s.queuePackets();
    require(
        queue >= 1 && queue <= 65536 && (queue & (queue - 1)) == 0,
        w + ": queue-packets must be a power of two in 1..65536");
    return new ShaperSpec(average, peak, burst, queue);
  }

  public static int dscp(Integer value, String what) {
    require(value != null && value >= 0 && value <= 63, what + " must be a DSCP in 0..63");
    return value;
  }

  public static int pcp(Integer value, String what) {
    require(value != null && value >= 0 && value <= 7, what + " must be an 802.1p PCP in 0..7");
    return value;
  }

  /** Bits per second to bytes per second: at least 8 bit/s. */
  private static long rate(Long bps, String what) {
    require(bps != null && bps >= 8, what + " must be a rate in bits/s of at least 8");
    require(bps <= 8_000_000_000_000L, what + " is above 8 Tbit/s");
    return bps / 8;
  }

  private static long burst(Long bytes, String what) {
    require(
        bytes != null && bytes >= 1 && bytes <= PolicerSpec.MAX_BURST,
        what + " must be in 1.." + PolicerSpec.MAX_BURST + " bytes");
    return bytes;
  }

  private static long burst0(Long bytes, String what) {
    return bytes == null ? 0 : burst(bytes, what);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
