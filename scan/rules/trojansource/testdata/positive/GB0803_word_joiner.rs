fn main() {
    let key = "root⁠";
    check(key);
}
