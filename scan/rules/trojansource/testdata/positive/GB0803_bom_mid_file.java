class A {
  String token = "abc﻿def";
}
