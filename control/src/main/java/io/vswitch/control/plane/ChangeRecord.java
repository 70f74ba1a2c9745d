package io.vswitch.control.plane;

/**
 * One accepted change, as the journal keeps it: the whole configuration after the change, so that
 * replaying the last record restores the switch, plus who asked for what, for the audit log.
 *
 * @param sequence 1, 2, 3... in the order changes were accepted
 * @param timeMillis when it was accepted (epoch milliseconds)
 * @param source where it came from ("config file /etc/vswitch.yaml", "api 127.0.0.1", ...)
 * @param description what it did, in words ("add port vm3", "apply switch.yaml: 2 ports ...")
 * @param config the whole configuration after the change, as JSON
 */
public record ChangeRecord(
    long sequence, long timeMillis, String source, String description, String config) {}
