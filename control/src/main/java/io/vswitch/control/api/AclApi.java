package io.vswitch.control.api;

import io.vswitch.control.L2Compiler;
import io.vswitch.control.config.SecurityGroups;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.plane.ConfigJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ACLs with their hit counters, and security groups as resolved now, for {@code GET /v1/acls} and
 * {@code GET /v1/security-groups} (on the control agent). A rule's hits are the packets its
 * compiled rules decided since the rule itself last changed (a group rule's compiled rules summed;
 * a membership change keeps them, see {@link L2Compiler#hits}).
 */
final class AclApi {
  private AclApi() {}

  /** Every ACL, or only {@code name}'s (an empty list when there is none). */
  static List<Map<String, Object>> acls(SwitchConfig config, String name) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (SwitchConfig.Acl acl : config.acls()) {
      if (name != null && !name.equals(acl.name())) {
        continue;
      }
      L2Compiler.AclHits hits = L2Compiler.hits(acl);
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("name", acl.name());
      a.put("default", acl.defaultAction());
      a.put("default-hits", hits == null ? 0 : hits.defaults());
      List<Map<String, Object>> rules = new ArrayList<>();
      for (int r = 0; r < acl.rules().size(); r++) {
        SwitchConfig.Rule rule = acl.rules().get(r);
        @SuppressWarnings("unchecked")
        Map<String, Object> row = ConfigJson.MAPPER.convertValue(rule, LinkedHashMap.class);
        row.put("hits", hits == null ? 0 : hits.rules().get(r).hits());
        row.put("compiled-rules", hits == null ? 0 : hits.rules().get(r).compiled());
        rules.add(row);
      }
      a.put("rules", rules);
      out.add(a);
    }
    return out;
  }

  /** Members on this host and, in a distributed switch, on the others ({@code host/port}). */
  static List<Map<String, Object>> groups(
      SwitchConfig config, io.vswitch.control.config.RemoteFacts remote) {
    SecurityGroups groups = SecurityGroups.resolve(config, remote);
    List<Map<String, Object>> out = new ArrayList<>();
    for (String name : groups.names()) {
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("name", name);
      g.put("members", groups.members(name));
      g.put("addresses", groups.prefixes(name));
      out.add(g);
    }
    return out;
  }
}
