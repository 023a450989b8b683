package main

import (
	"log"
	"net/http"
)

// An ordinary web server: listens in main, on a standard port.
func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	log.Fatal(http.ListenAndServe(":8080", mux))
}
