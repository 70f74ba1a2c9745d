package io.vswitch.control.plane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.SwitchConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** add-segment and del-segment as whole-config edits, and how the audit log words them. */
class SegmentEditsTest {
  private static final String BASE =
      """
      port-groups:
        - {name: ta, vlan: {mode: access, id: 10}}
        - {name: tb, vlan: {mode: access, id: 20}}
        - {name: underlay, vlan: {mode: access, id: 1}}
      ports:
        - {name: a, devargs: net_null0, port-group: ta}
        - {name: up, devargs: net_null1, port-group: underlay}
      """;

  private static final SwitchConfig VTEP =
      ConfigLoader.parse(BASE + "overlay: {vtep: {port: up, address: 192.0.2.1/24}}\n", "vtep");

  @Test
  void aSegmentIsAddedAndDeletedAndSaidSo() {
    ControlPlane.Change add =
        ConfigEdits.withSegment(
            VTEP,
            "{\"name\":\"b\",\"vni\":7,\"port-groups\":[\"tb\"],\"remote-vteps\":[\"192.0.2.9\"]}");
    SwitchConfig withB = ConfigValidator.validate(add.config());
    assertEquals(1, withB.overlay().segments().size());
    assertEquals(List.of("192.0.2.9"), withB.overlay().segments().get(0).remoteVteps());
    assertEquals(VTEP.overlay().vtep(), withB.overlay().vtep(), "the VTEP untouched");
    assertTrue(add.description().contains("add segment b vni 7"), add.description());
    assertEquals("add segment b", ChangeDescriber.describe(VTEP, withB));

    SwitchConfig moved =
        ConfigEdits.withSegment(
                ConfigEdits.withoutSegment(withB, "b").config(),
                "{\"name\":\"b\",\"vni\":8,\"port-groups\":[\"tb\"]}")
            .config();
    assertTrue(
        ChangeDescriber.describe(withB, moved).contains("vni 7 -> 8"),
        ChangeDescriber.describe(withB, moved));
    ControlPlane.Change del = ConfigEdits.withoutSegment(withB, "b");
    assertEquals(List.of(), del.config().overlay().segments());
    assertEquals("remove segment b", ChangeDescriber.describe(withB, del.config()));
  }

  @Test
  void badEditsAreRefusedInOneLine() {
    SwitchConfig withB =
        ConfigEdits.withSegment(VTEP, "{\"name\":\"b\",\"vni\":7,\"port-groups\":[\"tb\"]}")
            .config();
    List<Runnable> bad =
        List.of(
            () ->
                ConfigEdits.withSegment(
                    withB, "{\"name\":\"b\",\"vni\":9,\"port-groups\":[\"ta\"]}"),
            () -> ConfigEdits.withSegment(VTEP, "{\"name\":\"b\",\"vnii\":7}"),
            () -> ConfigEdits.withSegment(VTEP, "{\"vni\":7,\"port-groups\":[\"tb\"]}"),
            () -> ConfigEdits.withSegment(VTEP, "[1,2]"),
            () -> ConfigEdits.withSegment(VTEP, "{\"name\":"),
            () -> ConfigEdits.withSegment(VTEP, "{\"name\":\"b\",\"vni\":\"seven\"}"),
            () ->
                ConfigEdits.withSegment(
                    ConfigLoader.parse(BASE, "no overlay"), "{\"name\":\"b\",\"vni\":7}"),
            () -> ConfigEdits.withoutSegment(withB, "c"),
            () -> ConfigEdits.withoutSegment(ConfigLoader.parse(BASE, "no overlay"), "b"));
    for (Runnable edit : bad) {
      ConfigException e = assertThrows(ConfigException.class, edit::run);
      assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
    }
    // Valid JSON, invalid segment: the edit is made, validation refuses it (as for apply).
    SwitchConfig twice =
        ConfigEdits.withSegment(withB, "{\"name\":\"c\",\"vni\":7,\"port-groups\":[\"ta\"]}")
            .config();
    assertTrue(
        assertThrows(ConfigException.class, () -> ConfigValidator.validate(twice))
            .getMessage()
            .contains("VNI 7 is already another segment's"));
  }
}
