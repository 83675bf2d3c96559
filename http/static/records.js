// Intelligence link graph: a click on a node of the drawing opens that
// node's graph (the table of nodes below has the same links for keyboards).
document.addEventListener("DOMContentLoaded", function () {
  var graph = document.getElementById("rec-graph");
  if (!graph) { return; }
  graph.addEventListener("click", function (ev) {
    var node = ev.target.closest && ev.target.closest(".graph-node[data-href]");
    if (node) { window.location.href = node.getAttribute("data-href"); }
  });
});
