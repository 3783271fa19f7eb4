//go:build linux

package load

// spread is where a run's chats live when the service has several nodes.
// Parents take the nodes in turn: chat i's parent is on node i mod N. The
// parents of node k are held by counsellors on node k+1 (mod N), in even
// shares of at most MaxChats each, so with two or more nodes every message
// crosses from one node to another. On one node it is one share per
// counsellor over ceil(chats/MaxChats) counsellors, chats in order.
type spread struct {
	nodes         int
	counselorOf   []int // chat → counsellor (0-based: user number PREFIX001 is 0)
	counselorNode []int // counsellor → node
}

func newSpread(chats, nodes, maxChats int) spread {
	s := spread{nodes: nodes, counselorOf: make([]int, chats)}
	for home := range nodes {
		parents := parentsOn(chats, nodes, home)
		if parents == 0 {
			continue
		}
		held := (parents + maxChats - 1) / maxChats // counsellors for this node's parents
		share := (parents + held - 1) / held
		first := len(s.counselorNode)
		for range held {
			s.counselorNode = append(s.counselorNode, (home+1)%nodes)
		}
		for j, i := 0, home; i < chats; j, i = j+1, i+nodes {
			s.counselorOf[i] = first + j/share
		}
	}
	return s
}

// parentNode is the node chat i's parent connects to.
func (s spread) parentNode(i int) int { return i % s.nodes }

// parentsOn is how many of the chats have their parent on node home.
func parentsOn(chats, nodes, home int) int {
	n := chats / nodes
	if home < chats%nodes {
		n++
	}
	return n
}

// spreadCounselors is how many counsellors newSpread uses.
func spreadCounselors(chats, nodes, maxChats int) int {
	if nodes < 1 || maxChats < 1 {
		return 0
	}
	total := 0
	for home := range min(nodes, chats) {
		total += (parentsOn(chats, nodes, home) + maxChats - 1) / maxChats
	}
	return total
}
