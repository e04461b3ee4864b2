"""E-badges (电子工牌): signed badge tokens, QR codes, badge cards, print sheets, scan landing."""
