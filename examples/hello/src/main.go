// Command hello greets whoever it is asked to, over HTTP or on the terminal.
// It is glassbox's example release: small, but a real program a vendor might
// ship.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
)

func greeting(name string) string {
	if name == "" {
		name = "world"
	}
	return fmt.Sprintf("Hello, %s!", name)
}

func main() {
	addr := flag.String("listen", "", "serve greetings over HTTP on this address (e.g. 127.0.0.1:8080)")
	flag.Parse()
	if *addr == "" {
		fmt.Println(greeting(flag.Arg(0)))
		return
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, greeting(r.URL.Query().Get("name")))
	})
	log.Printf("listening on %s", *addr)
	if err := http.ListenAndServe(*addr, nil); err != nil {
		log.Print(err)
		os.Exit(1)
	}
}
