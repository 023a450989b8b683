const slack = new WebClient('xoxb-313237058957-8291146786691-iuPeCDRHwi41XJOLlX9iBG63');
