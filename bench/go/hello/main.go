// hello: the net/http server a student of the course would write, serving
// the body httpd and nginx serve in scripts/bench_httpd.py.  Prints
// "listening on ADDR" once the socket is bound, as httpd does.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
)

const body = "hello from memlab httpd\n"

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(body))
	})
	if err := http.Serve(ln, nil); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}
