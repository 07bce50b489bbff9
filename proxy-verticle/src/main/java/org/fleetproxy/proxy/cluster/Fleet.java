package org.fleetproxy.proxy.cluster;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeInfo;

import java.util.ArrayList;
import java.util.List;

/**
 * The proxy nodes this node can see, and requests answered by each of them. Every control
 * address has a per-node twin ({@link #nodeAddress}) that only its node answers; a cluster-wide
 * request asks every live proxy node on its twin, waits up to the deadline, and lists the nodes
 * that did not answer instead of failing. Without a cluster the fleet is this node alone.
 */
public final class Fleet {

  /** Cluster node metadata key and value that mark a proxy node (control clients carry another role). */
  public static final String ROLE = "role";
  public static final String ROLE_PROXY = "proxy";
  public static final String ROLE_CONTROL = "control";
  /** Cluster node metadata key holding the node's stable id ({@code cluster.node-id}). */
  public static final String NODE_ID = "node";

  private static final String LOCAL = "local";

  /** A live proxy node: its cluster member id (addressing) and its stable id (what operators see). */
  public record Member(String memberId, String nodeId) {
  }

  private final Vertx vertx;
  private final ClusterManager cluster;
  private final String nodeId;
  private final long timeoutMillis;

  /** @param cluster the cluster manager, or null for a node on its own */
  public Fleet(Vertx vertx, ClusterManager cluster, String nodeId, long timeoutMillis) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.nodeId = nodeId;
    this.timeoutMillis = timeoutMillis;
  }

  /** The address only member {@code memberId} answers for {@code address}. */
  public static String nodeAddress(String address, String memberId) {
    return address + ".node." + memberId;
  }

  /** This node's twin of {@code address}. */
  public String ownAddress(String address) {
    return nodeAddress(address, memberId());
  }

  public String memberId() {
    return cluster == null ? LOCAL : cluster.getNodeId();
  }

  public String nodeId() {
    return nodeId;
  }

  public boolean clustered() {
    return cluster != null;
  }

  /** The live proxy nodes, this one included. */
  public Future<List<Member>> members() {
    if (cluster == null) {
      return Future.succeededFuture(List.of(new Member(LOCAL, nodeId)));
    }
    List<Future<Member>> lookups = new ArrayList<>();
    for (String id : cluster.getNodes()) {
      Promise<NodeInfo> info = Promise.promise();
      cluster.getNodeInfo(id, info);
      // a member that left between the two calls has no info any more: it is simply not listed
      lookups.add(info.future().map(i -> {
        JsonObject meta = i == null ? null : i.metadata();
        return meta != null && ROLE_PROXY.equals(meta.getString(ROLE)) ? new Member(id, meta.getString(NODE_ID, id))
            : null;
      }).otherwise((Member) null));
    }
    return Future.join(lookups).transform(ar -> {
      List<Member> out = new ArrayList<>();
      for (Future<Member> f : lookups) {
        if (f.succeeded() && f.result() != null) {
          out.add(f.result());
        }
      }
      out.sort((a, b) -> a.nodeId().compareTo(b.nodeId()));
      return Future.succeededFuture(out);
    });
  }

  /**
   * Sends {@code body} to every proxy node's twin of {@code address}. Completes, never fails,
   * with {@code {"nodes":[each answer, with "node"], "missing":[{"node","error"}]}}.
   */
  public Future<JsonObject> gather(String address, JsonObject body) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMillis);
    return members().compose(members -> {
      List<Future<Message<Object>>> asks = new ArrayList<>();
      for (Member m : members) {
        asks.add(vertx.eventBus().request(nodeAddress(address, m.memberId()), body, options));
      }
      return Future.join(asks).transform(ar -> {
        JsonArray nodes = new JsonArray();
        JsonArray missing = new JsonArray();
        for (int i = 0; i < members.size(); i++) {
          Future<Message<Object>> f = asks.get(i);
          String node = members.get(i).nodeId();
          if (f.succeeded() && f.result().body() instanceof JsonObject answer) {
            nodes.add(answer.copy().put("node", node));
          } else {
            missing.add(new JsonObject().put("node", node)
                .put("error", f.failed() ? f.cause().getMessage() : "answer is not a JSON object"));
          }
        }
        return Future.succeededFuture(new JsonObject().put("nodes", nodes).put("missing", missing));
      });
    });
  }
}
