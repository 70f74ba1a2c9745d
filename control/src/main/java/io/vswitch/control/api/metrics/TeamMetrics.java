package io.vswitch.control.api.metrics;

import io.vswitch.dataplane.l2.L2Switch;
import io.vswitch.dataplane.l2.Team;
import java.util.List;

/** Uplink teams: each member's health and whether it carries, each team's failovers. */
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
  }
}
