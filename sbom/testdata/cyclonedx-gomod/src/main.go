package main

import "example.org/linked"

func main() { println(linked.Good()) }
