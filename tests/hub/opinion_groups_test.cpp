// Opinion groups checked against base R on the same matrix: prcomp for the components and
// positions, kmeans (50 starts) with the silhouette computed in R for the groups and their number.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "sync/hub/opinion_groups.h"
#include "tests/hub/run_r.h"
#include "tests/temp_dir.h"

using namespace civic;
using civic::test::run_r;

namespace {

const std::vector<std::string> kIdeas{"a", "b", "c", "d", "e", "f"};

// Three camps over six statements, with some statements unseen and some votes against the camp,
// from a fixed pattern: clear enough that any good k-means finds the same three groups.
std::vector<OpinionVotes> three_camps() {
  const int camps[3][6] = {{1, 1, -1, -1, 0, 1}, {-1, -1, 1, 1, 0, 1}, {1, -1, 1, -1, 1, -1}};
  std::vector<OpinionVotes> out;
  for (int i = 0; i < 30; ++i) {
    OpinionVotes v;
    for (int j = 0; j < 6; ++j) {
      if ((i * 7 + j * 3) % 11 == 0) continue;  // unseen
      int vote = camps[i % 3][j];
      if ((i * 5 + j) % 13 == 0) vote = vote == 1 ? 0 : 1;  // a dissenting vote now and then
      v[kIdeas[static_cast<std::size_t>(j)]] = vote;
    }
    out.push_back(v);
  }
  out.push_back({{"a", 1}});  // too few votes to be placed
  return out;
}

}  // namespace

TEST_CASE("opinion groups: components, positions and groups as base R's prcomp and kmeans find them",
          "[results][opinion-groups]") {
  const auto participants = three_camps();
  const OpinionGroups g = find_opinion_groups(participants, kIdeas, 3);
  CHECK(g.placed == 30);
  CHECK(g.not_placed == 1);
  REQUIRE(g.k == 3);

  std::vector<OpinionVotes> placed(participants.begin(), participants.begin() + 30);
  const auto matrix = opinion_matrix(placed, kIdeas);
  std::ostringstream script;
  script.precision(17);  // the filled means exactly, not to six digits
  script << "x <- matrix(c(";
  for (std::size_t i = 0; i < matrix.size(); ++i) {
    for (std::size_t j = 0; j < matrix[i].size(); ++j) script << (i || j ? "," : "") << matrix[i][j];
  }
  script << "), nrow=" << matrix.size() << ", byrow=TRUE)\n"
         << "p <- prcomp(x, center=TRUE, scale.=FALSE)\n"
            "pos <- p$x[, 1:2]\n"
            "sil <- function(pts, cl) { d <- as.matrix(dist(pts)); s <- sapply(seq_len(nrow(pts)), function(i) {\n"
            "  own <- cl == cl[i]; if (sum(own) <= 1) return(0); a <- sum(d[i, own]) / (sum(own) - 1)\n"
            "  b <- min(sapply(setdiff(unique(cl), cl[i]), function(g) mean(d[i, cl == g]))); (b - a) / max(a, b) })\n"
            "  mean(s) }\n"
            "set.seed(1)\n"
            "best <- NULL; bestk <- 0; bests <- -2\n"
            "for (k in 2:5) { km <- kmeans(pos, centers=k, nstart=50, iter.max=300); s <- sil(pos, km$cluster)\n"
            "  if (s > bests + 1e-12) { bests <- s; bestk <- k; best <- km } }\n"
            "cat('k', bestk, '\\n'); cat('silhouette', format(bests, digits=15), '\\n')\n"
            "cat('cluster', best$cluster, '\\n')\n"
            "cat('pc1', format(pos[, 1], digits=15), '\\n'); cat('pc2', format(pos[, 2], digits=15), '\\n')\n";
  std::istringstream r(run_r(script.str()));
  std::map<std::string, std::vector<double>> got;
  for (std::string line; std::getline(r, line);) {
    std::istringstream words(line);
    std::string name;
    words >> name;
    for (double v; words >> v;) got[name].push_back(v);
  }
  REQUIRE(got["k"].size() == 1);
  CHECK(got["k"][0] == g.k);
  CHECK(got["silhouette"].at(0) == Approx(g.silhouette).epsilon(1e-9));
  // Positions equal up to each component's sign.
  for (std::size_t c = 0; c < 2; ++c) {
    const auto& theirs = got[c == 0 ? "pc1" : "pc2"];
    REQUIRE(theirs.size() == 30);
    const double sign = theirs[0] * g.positions[0][c] < 0 ? -1.0 : 1.0;
    for (std::size_t i = 0; i < 30; ++i) CHECK(sign * theirs[i] == Approx(g.positions[i][c]).margin(1e-7));
  }
  // The same partition, whatever the groups' numbers.
  const auto& cluster = got["cluster"];
  REQUIRE(cluster.size() == 30);
  for (std::size_t i = 0; i < 30; ++i) {
    for (std::size_t j = 0; j < 30; ++j) {
      CHECK((cluster[i] == cluster[j]) == (g.group_of[i] == g.group_of[j]));
    }
  }
}

TEST_CASE("opinion groups: what sets a group apart, and the ideas every group agrees with", "[results][opinion-groups]") {
  // Two camps of four: a/b split them, c everyone agrees with.
  std::vector<OpinionVotes> p;
  for (int i = 0; i < 4; ++i) p.push_back({{"a", 1}, {"b", -1}, {"c", 1}});
  for (int i = 0; i < 4; ++i) p.push_back({{"a", -1}, {"b", 1}, {"c", 1}});
  const OpinionGroups g = find_opinion_groups(p, {"a", "b", "c"}, 3);
  REQUIRE(g.k == 2);
  REQUIRE(g.groups.size() == 2);
  CHECK(g.groups[0].participants == 4);
  const auto& d = g.groups[static_cast<std::size_t>(g.group_of[0])].distinguishing;
  REQUIRE_FALSE(d.empty());
  CHECK(d[0].share_in == 1.0);
  CHECK(d[0].share_out == 0.0);
  // Consensus: c, agreed by all: (4+1)/(4+2) in each group = 25/36; a and b: 5/6 * 1/6.
  REQUIRE(g.consensus.size() == 3);
  CHECK(g.consensus[0].first == "c");
  CHECK(g.consensus[0].second == Approx(25.0 / 36));
  CHECK(g.consensus[1].second == Approx(5.0 / 36));
  // Unseen statements are filled with the mean vote of those who saw them (0 when nobody did).
  const auto m = opinion_matrix({{{"a", 1}, {"b", 1}}, {{"a", -1}}, {{"a", 1}, {"b", 0}}}, {"a", "b", "z"});
  CHECK(m[1][1] == Approx(0.5));
  CHECK(m[1][0] == -1);
  CHECK(m[0][2] == 0);
  // Too few participants: no groups, consensus still computed.
  const OpinionGroups few = find_opinion_groups({p[0], p[4]}, {"a", "b", "c"}, 3);
  CHECK(few.k == 0);
  CHECK(few.consensus.size() == 3);
}
