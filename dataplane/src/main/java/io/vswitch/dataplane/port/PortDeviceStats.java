package io.vswitch.dataplane.port;

/** What the device itself counted, as opposed to the switch's counters. */
public record PortDeviceStats(
    long rxPackets, long txPackets, long rxMissed, long rxErrors, long txErrors, long rxNoMbuf) {}
