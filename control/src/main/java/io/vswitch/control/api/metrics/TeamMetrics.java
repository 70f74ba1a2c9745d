package io.vswitch.control.api.metrics;

import io.vswitch.dataplane.l2.L2Switch;
import io.vswitch.dataplane.l2.team.Team;
import java.util.List;

/**
 * Uplink teams: each member's health and whether it carries, each team's failovers; for LACP teams
 * each member's LACPDUs (received, sent, bad by reason), mux state and partner state octet.
 */
public final class TeamMetrics implements MetricSource {
  private final L2Switch l2;

  public TeamMetrics(L2Switch l2) {
    this.l2 = l2;
  }

  @Override
  public void render(Exposition out) {
    List<Team> teams = l2.tables().teams();
    out.family(MetricFamily.TEAM_MEMBER_UP);
    for (Team t : teams) {
      for (int m = 0; m < t.size(); m++) {
        out.sample(MetricFamily.TEAM_MEMBER_UP, t.isUp(m) ? 1 : 0, t.name, t.memberName(m));
      }
    }
    out.family(MetricFamily.TEAM_MEMBER_CARRYING);
    for (Team t : teams) {
      int[] carriers = t.carriers();
      for (int m = 0; m < t.size(); m++) {
        boolean carrying = false;
        for (int c : carriers) {
          carrying |= c == m;
        }
        out.sample(MetricFamily.TEAM_MEMBER_CARRYING, carrying ? 1 : 0, t.name, t.memberName(m));
      }
    }
    out.family(MetricFamily.TEAM_FAILOVERS);
    for (Team t : teams) {
      out.sample(MetricFamily.TEAM_FAILOVERS, t.failovers(), t.name);
    }
    out.family(MetricFamily.TEAM_FAILBACKS);
    for (Team t : teams) {
      out.sample(MetricFamily.TEAM_FAILBACKS, t.failbacks(), t.name);
    }
    lacp(out, teams);
  }

  private static void lacp(Exposition out, List<Team> teams) {
    List<Team> lacp = teams.stream().filter(t -> t.lacp != null).toList(); // families always
    out.family(MetricFamily.TEAM_LACPDUS_RX);
    each(lacp, (t, m, v) -> out.sample(MetricFamily.TEAM_LACPDUS_RX, v.rx(), t.name, m));
    out.family(MetricFamily.TEAM_LACPDUS_TX);
    each(lacp, (t, m, v) -> out.sample(MetricFamily.TEAM_LACPDUS_TX, v.tx(), t.name, m));
    out.family(MetricFamily.TEAM_LACPDUS_BAD);
    each(
        lacp,
        (t, m, v) -> {
          out.sample(MetricFamily.TEAM_LACPDUS_BAD, v.bad(), t.name, m, "malformed");
          out.sample(MetricFamily.TEAM_LACPDUS_BAD, v.looped(), t.name, m, "looped");
        });
    out.family(MetricFamily.TEAM_LACP_MEMBER_STATE);
    each(
        lacp,
        (t, m, v) ->
            out.sample(
                MetricFamily.TEAM_LACP_MEMBER_STATE,
                List.of("DETACHED", "WAITING", "ATTACHED", "COLLECTING_DISTRIBUTING")
                    .indexOf(v.mux()),
                t.name,
                m));
    out.family(MetricFamily.TEAM_LACP_PARTNER_STATE);
    each(
        lacp,
        (t, m, v) -> out.sample(MetricFamily.TEAM_LACP_PARTNER_STATE, v.partnerState(), t.name, m));
  }

  private interface MemberSample {
    void write(Team team, String member, Team.LacpView view);
  }

  /** Each member of each team, with its view (a member not stepped yet counts as all zero). */
  private static void each(List<Team> teams, MemberSample sample) {
    for (Team t : teams) {
      for (int m = 0; m < t.size(); m++) {
        Team.LacpView v = t.lacpView(m);
        sample.write(t, t.memberName(m), v != null ? v : NONE);
      }
    }
  }

  private static final Team.LacpView NONE =
      new Team.LacpView(
          "PORT_DISABLED", "DETACHED", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
