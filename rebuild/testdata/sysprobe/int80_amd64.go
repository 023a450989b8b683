package main

func int80(nr uintptr) uintptr
