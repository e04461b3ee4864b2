from app.masking import mask_account_no, mask_address, mask_name, mask_phone


def test_masking():
    assert mask_phone("13800000001") == "138****0001"
    assert mask_account_no("03522000012") == "035****012"
    assert mask_account_no("A12") == "A**"
    assert mask_address("南郊区魏都大道88号5栋1单元302室") == "南郊区魏都大道****"
    assert mask_address("城区") == "****"
    assert mask_name("李四") == "李*"
    assert mask_phone(None) == mask_address("") == ""
